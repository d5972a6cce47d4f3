import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, makeTempDir, spawnMcpd } from '@mcpctl/test-kit';
import { describe, expect, it } from 'vitest';
import { argsOfCommandLine, healthcheckUrl } from '../src/healthcheck-url.js';

describe('the container health check', () => {
  it('asks /readyz on the port and address mcpd was started with, on loopback when it listens everywhere', () => {
    expect(healthcheckUrl(['--host', '0.0.0.0', '--port', '3100', '--data-dir', '/data'])).toBe('http://127.0.0.1:3100/readyz');
    expect(healthcheckUrl(['--host', '0.0.0.0', '--port', '8080', '--data-dir', '/data'])).toBe('http://127.0.0.1:8080/readyz');
    expect(healthcheckUrl(['--port=9000', '--host=::'])).toBe('http://127.0.0.1:9000/readyz');
    expect(healthcheckUrl(['--host', '10.0.0.5', '--port', '3200'])).toBe('http://10.0.0.5:3200/readyz');
    expect(healthcheckUrl(['--host', 'fd00::5'])).toBe('http://[fd00::5]:3100/readyz');
    expect(healthcheckUrl([])).toBe('http://127.0.0.1:3100/readyz');
    // A port mcpd would refuse, or a free one (0), has nothing to ask: mcpd's default is tried.
    expect(healthcheckUrl(['--port', 'eighty'])).toBe('http://127.0.0.1:3100/readyz');
    expect(healthcheckUrl(['--port', '0', '--unknown'])).toBe('http://127.0.0.1:3100/readyz');
  });

  it('reads mcpd\'s arguments from its command line as /proc shows it', () => {
    expect(argsOfCommandLine('node\0packages/mcpd/bin/mcpd.js\0--host\x000.0.0.0\0--port\x008080\0')).toEqual(['--host', '0.0.0.0', '--port', '8080']);
    expect(argsOfCommandLine('/usr/local/bin/node\0/app/packages/mcpd/dist/main.js\0--port\x003300\0')).toEqual(['--port', '3300']);
    expect(argsOfCommandLine('sh\0-c\0sleep 5\0')).toEqual([]);
  });

  it('exits 0 while the mcpd it reads answers ready, and 1 once it is gone (its process too), as the image\'s HEALTHCHECK runs it', async () => {
    const dir = await makeTempDir('healthcheck');
    // A port of its own on the command line: with `--port 0` there is nothing to read it from.
    const mcpd = await spawnMcpd({ dataDir: dir.path, port: await freePort() });
    const check = (pid: number | undefined) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [fileURLToPath(new URL('../bin/mcpd-healthcheck.js', import.meta.url)), String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const pid = mcpd.process.pid;
    try {
      expect(await check(pid)).toEqual({ code: 0, stderr: '' });
    } finally {
      await mcpd.stop();
      await dir.cleanup();
    }
    // Unhealthy says why, where `docker inspect` shows it.
    const gone = await check(pid);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(new RegExp(`^mcpd-healthcheck: cannot read the command line of process ${String(pid)}: `));
  });
});
