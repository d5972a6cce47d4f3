import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MCPD_MAIN, makeTempDir, parseLogLine, spawnMcpd, spawnService, startFakeUpstream, type TempDir } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** The unprivileged user of Linux distributions, as which a root test run starts mcpd. */
const NOBODY = 65534;
const AS_NOBODY = { uid: NOBODY, gid: NOBODY };
const AS_ROOT = process.getuid?.() === 0;
const nobodyName = () => spawnSync('id', ['-nu', String(NOBODY)], { encoding: 'utf8' }).stdout.trim();

describe('mcpd as a process', () => {
  let home: TempDir;

  beforeEach(async () => {
    home = await makeTempDir('mcpd-start-');
  });

  afterEach(async () => {
    await home.cleanup();
  });

  const startPlain = (dataDir = join(home.path, 'data'), port = 0, flags: string[] = []) => {
    const { DATABASE_URL: _ignored, MCPD_BOOTSTRAP_TOKEN: _token, ...env } = process.env;
    return spawnService({
      name: 'mcpd',
      main: MCPD_MAIN,
      args: ['--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, ...flags],
      env,
      ready: (line) => {
        const record = parseLogLine(line);
        return record?.msg === 'mcpd listening' ? String(record.url) : undefined;
      },
    });
  };

  /** mcpd as a bare child, for what happens before it listens: its output, and how it exited. */
  const spawnUnready = (dataDir: string, options: { uid?: number; gid?: number } = {}) => {
    const { DATABASE_URL: _ignored, MCPD_BOOTSTRAP_TOKEN: _token, ...env } = process.env;
    const child = spawn(process.execPath, [MCPD_MAIN, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    const exited = (once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>).then(([code, signal]) => ({ code, signal, output }));
    return { child, exited };
  };

  it('generates the admin token on first start, prints it once and saves it with mode 0600', async () => {
    const first = await startPlain();
    const tokenFile = join(home.path, 'data', 'admin-token');
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(token).toMatch(/^mcpctl_[A-Za-z0-9_-]{43}$/);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home.path, 'data', 'secret-key'))).mode & 0o777).toBe(0o600);
    expect(first.output()).toContain(token);
    const status = await fetch(`${first.value}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(await status.json()).toMatchObject({ user: { name: 'admin', admin: true }, server: { database: 'embedded' } });
    await first.stop();

    const second = await startPlain();
    expect(second.output()).not.toContain(token);
    expect((await fetch(`${second.value}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await second.stop();
  });

  it('keeps a second mcpd off a data directory in use, and off a port in use, before it writes anything', async () => {
    const dataDir = join(home.path, 'data');
    const first = await startPlain();
    try {
      const second = startPlain();
      await expect(second).rejects.toThrow(/exited \(code 1\)/);
      await expect(second).rejects.toThrow(`mcpd could not start: the data directory ${dataDir} is in use by another mcpd (pid ${String(first.process.pid)}); stop that one, or give this one another --data-dir (if no mcpd runs there, remove ${join(dataDir, 'mcpd.lock')})`);
      // The README's `npm start` twice: the same port, refused before a database is made or a token announced.
      const port = new URL(first.value).port;
      const otherDir = join(home.path, 'other');
      const samePort = startPlain(otherDir, Number(port));
      await expect(samePort).rejects.toThrow(`mcpd could not start: port ${port} on 127.0.0.1 is in use (another mcpd?); stop what listens there, or give this one another --port`);
      await expect(samePort).rejects.not.toThrow(/Admin token/);
      await expect(stat(otherDir)).rejects.toThrow(/ENOENT/);
    } finally {
      await first.stop();
    }
    await expect(stat(join(dataDir, 'mcpd.lock'))).rejects.toThrow(/ENOENT/);
    // A lock left by an mcpd that was killed is taken over.
    const gone = spawnSync(process.execPath, ['-e', '']);
    await writeFile(join(dataDir, 'mcpd.lock'), `${JSON.stringify({ pid: gone.pid, host: hostname(), token: 'gone' })}\n`);
    const after = await startPlain();
    expect((JSON.parse(await readFile(join(dataDir, 'mcpd.lock'), 'utf8')) as { pid: number }).pid).toBe(after.process.pid);
    await after.stop();
  });

  it('says a --host that is no address of this machine, or no address at all, before it makes a data directory', async () => {
    const { DATABASE_URL: _ignored, MCPD_BOOTSTRAP_TOKEN: _token, ...env } = process.env;
    const dataDir = join(home.path, 'data');
    for (const [host, said] of [
      ['192.0.2.1', '192.0.2.1 is not an address of this machine; give --host one of its addresses (0.0.0.0 for all of them, 127.0.0.1 for this machine alone)'],
      ['999.1.1.1', '--host 999.1.1.1 does not resolve to an address; give an address of this machine (0.0.0.0 for all of them, 127.0.0.1 for this machine alone)'],
    ] as const) {
      const run = spawnSync(process.execPath, [MCPD_MAIN, '--host', host, '--port', '0', '--data-dir', dataDir], { env, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`mcpd could not start: ${said}\n`);
      await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
    }
  });

  it('says a data directory that is a file, or lies inside one, is not a directory', async () => {
    const file = join(home.path, 'somefile.json');
    await writeFile(file, '{}\n');
    const onFile = startPlain(file);
    await expect(onFile).rejects.toThrow(/exited \(code 1\)/);
    await expect(onFile).rejects.toThrow(`mcpd could not start: the data directory ${file} is a file, not a directory: move the file, or give mcpd another directory with --data-dir (it is created when missing)\n`);
    const inside = join(file, 'data');
    await expect(startPlain(inside)).rejects.toThrow(
      `mcpd could not start: the data directory ${inside} cannot be made inside ${file}, a file: move the file, or give mcpd another directory with --data-dir (it is created when missing)\n`,
    );
  });

  it('answers a signal that comes while it starts with an orderly stop once started, once for a signal sent twice at once', async () => {
    const dataDir = join(home.path, 'data');
    const { child, exited } = spawnUnready(dataDir);
    // The lock is the start's first write; a first start's embedded database takes seconds more.
    await expect.poll(() => stat(join(dataDir, 'mcpd.lock')).then(() => true, () => false), { timeout: 20_000, interval: 20 }).toBe(true);
    // Twice at once, as Ctrl-C under `npm start` arrives (from the terminal, and from npm): one stop.
    child.kill('SIGINT');
    child.kill('SIGINT');
    const { code, signal, output } = await exited;
    const messages = output.split('\n').map((line) => parseLogLine(line)?.msg).filter((msg) => msg !== undefined);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(messages).toEqual(expect.arrayContaining(['stopping once the start is done; a signal again stops at once', 'mcpd listening', 'shutting down', 'mcpd stopped']));
    expect(messages.indexOf('stopping once the start is done; a signal again stops at once')).toBeLessThan(messages.indexOf('mcpd listening'));
    expect(messages.filter((message) => message === 'stopping once the start is done; a signal again stops at once')).toHaveLength(1);
    await expect(stat(join(dataDir, 'mcpd.lock'))).rejects.toThrow(/ENOENT/);
  });

  // Root may write anywhere: these run mcpd as nobody over what root made, and need root to.
  it.runIf(AS_ROOT)('says a data directory it may not write, or not make, is not writable, and by whom', async () => {
    const locked = join(home.path, 'locked');
    await mkdir(locked, { mode: 0o755 });
    await chmod(home.path, 0o755);
    const inside = join(locked, 'data');
    for (const [dataDir, what] of [
      [locked, `the data directory ${locked}`],
      [inside, `the data directory ${inside} cannot be made: ${locked}`],
    ] as const) {
      const { code, output } = await spawnUnready(dataDir, AS_NOBODY).exited;
      expect(code).toBe(1);
      expect(output).toContain(`mcpd could not start: ${what} is not writable by user ${nobodyName()}, who runs mcpd: give that user write access to it, or give mcpd another directory with --data-dir (it is created when missing)\n`);
    }
  });

  it.runIf(AS_ROOT)("says which entry of its data directory another user's start left unreadable, and the chown that mends it", async () => {
    const dataDir = join(home.path, 'data');
    await mkdir(join(dataDir, 'pgdata'), { recursive: true, mode: 0o700 });
    await chmod(home.path, 0o755);
    await chown(dataDir, NOBODY, NOBODY);
    const { code, output } = await spawnUnready(dataDir, AS_NOBODY).exited;
    expect(code).toBe(1);
    expect(output).toContain(
      `mcpd could not start: ${join(dataDir, 'pgdata')} in the data directory cannot be read by user ${nobodyName()}, who runs mcpd (a start as another user leaves such files): give that user the directory and everything in it (chown -R ${nobodyName()} ${dataDir}), or give mcpd another directory with --data-dir\n`,
    );
  });

  it('gives a data directory of its own user that lacks write permission that permission, and starts', async () => {
    const dataDir = join(home.path, 'data');
    await mkdir(dataDir, { mode: 0o500 });
    if (AS_ROOT) {
      await chmod(home.path, 0o755);
      await chown(dataDir, NOBODY, NOBODY);
    }
    const { child, exited } = spawnUnready(dataDir, AS_ROOT ? AS_NOBODY : {});
    try {
      await expect.poll(() => stat(join(dataDir, 'mcpd.lock')).then(() => true, () => false), { timeout: 20_000, interval: 20 }).toBe(true);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    } finally {
      child.kill('SIGTERM');
    }
    const { code, output } = await exited;
    expect(code, output).toBe(0);
  });

  it('refuses a secret key that opens none of the stored secrets, and with --forget-unreadable-secrets clears them and starts', async () => {
    const dataDir = join(home.path, 'data');
    const first = await startPlain(dataDir);
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${first.value}/api/v1/llms`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'keyed', type: 'openai', model: 'm', url: 'http://127.0.0.1:9/v1', apiKey: 'sk-lost-with-its-key' }),
    });
    expect(created.status).toBe(201);
    const withCredentials = await fetch(`${first.value}/api/v1/llms`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'creds', type: 'openai', model: 'm', url: 'http://desk:pw@127.0.0.1:9/v1?api_key=sk-in-url&region=eu' }),
    });
    expect(withCredentials.status).toBe(201);
    await first.stop();
    // The key file lost: the next start makes a new one, which opens nothing stored.
    await rm(join(dataDir, 'secret-key'));
    const refused = startPlain(dataDir);
    await expect(refused).rejects.toThrow(/exited \(code 1\)/);
    await expect(refused).rejects.toThrow(
      `it is not the key they were sealed with; start with that key (every replica takes the same one). If it is lost for good, start once with --forget-unreadable-secrets: the secrets it cannot open are cleared, and each of those LLMs is given its key again (docs/deploy.md)`,
    );
    const forgetting = await startPlain(dataDir, 0, ['--forget-unreadable-secrets']);
    const cleared = forgetting
      .output()
      .split('\n')
      .map((line) => parseLogLine(line))
      .find((record) => typeof record?.msg === 'string' && record.msg.startsWith('cleared the secrets of these LLMs'));
    expect(cleared?.llms).toEqual(['creds', 'keyed']);
    expect(((await (await fetch(`${forgetting.value}/api/v1/llms/keyed`, { headers })).json()) as { hasApiKey: boolean }).hasApiKey).toBe(false);
    // The URL's masked credentials go with the sealed ones: no call sends `***` as a password.
    const creds = (await (await fetch(`${forgetting.value}/api/v1/llms/creds`, { headers })).json()) as { url: string };
    expect(creds.url).toBe('http://127.0.0.1:9/v1?region=eu');
    await forgetting.stop();
    // Nothing unreadable is left: a plain start goes through.
    const after = await startPlain(dataDir);
    await after.stop();
  });

  it('refuses to start on PostgreSQL without MCPD_SECRET_KEY, naming every problem', async () => {
    const failure = spawnMcpd({ dataDir: home.path, env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x', MCPD_LOG_LEVEL: 'loud' } });
    await expect(failure).rejects.toThrow(/exited \(code 2\)/);
    await expect(failure).rejects.toThrow(/MCPD_SECRET_KEY is required with DATABASE_URL/);
    await expect(failure).rejects.toThrow(/MCPD_LOG_LEVEL: must be one of/);
  });

  it('finishes an in-flight answer on SIGTERM, then exits 0', async () => {
    const upstream = await startFakeUpstream({ tokensPerSecond: 10, tokenCount: 8 });
    const mcpd = await spawnMcpd({ dataDir: home.path });
    try {
      const headers = { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json' };
      await fetch(`${mcpd.url}/api/v1/llms`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'slow', type: 'openai', model: 'm', url: upstream.openaiBaseUrl }),
      });
      const answer = fetch(`${mcpd.url}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      }).then((response) => response.text());
      await upstream.waitForRequests(1);
      const exited = new Promise<number | null>((resolve) => mcpd.process.once('exit', (code) => resolve(code)));
      mcpd.process.kill('SIGTERM');
      const text = await answer;
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(await exited).toBe(0);
    } finally {
      await mcpd.stop();
      await upstream.close();
    }
  });

  it('keeps a thread across a restart', async () => {
    const upstream = await startFakeUpstream({ echo: true });
    let mcpd = await spawnMcpd({ dataDir: home.path });
    try {
      const api = (path: string, body?: unknown) =>
        fetch(`${mcpd.url}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      await api('/api/v1/llms', { name: 'echo', type: 'openai', model: 'm', url: upstream.openaiBaseUrl });
      await api('/api/v1/agents', { name: 'diary', llm: 'echo', systemPrompt: 'Keep a diary.' });
      const first = await api('/api/v1/agents/diary/chat', { messages: [{ role: 'user', content: 'Day one' }] });
      const threadId = first.headers.get('x-mcpctl-thread-id')!;
      await first.text();

      await mcpd.stop();
      mcpd = await spawnMcpd({ dataDir: home.path, port: mcpd.port, adminToken: mcpd.adminToken });
      const second = await api('/api/v1/agents/diary/chat', { threadId, messages: [{ role: 'user', content: 'Day two' }] });
      const answer = ((await second.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
      expect(answer).toMatch(/user: Day one\nassistant: [\s\S]*user: Day two/);
      const thread = (await (await api(`/api/v1/threads/${threadId}`)).json()) as { messages: unknown[] };
      expect(thread.messages).toHaveLength(4);
    } finally {
      await mcpd.stop();
      await upstream.close();
    }
  });
});
