import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, startFakeUpstream, type FakeUpstream, type TempDir } from '@mcpctl/test-kit';
import { closedPortUrl } from '../providers/support/closed-port.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMcpd, type FakeMcpd } from './fake-mcpd.js';

/* The built binary, as systemd runs it: `npm test` builds before it tests. */
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

let mcpd: FakeMcpd;
let upstream: FakeUpstream;
let home: TempDir;
const children: ChildProcess[] = [];

beforeEach(async () => {
  [mcpd, upstream, home] = await Promise.all([startFakeMcpd(), startFakeUpstream(), makeTempDir('mcplocal-binary')]);
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([mcpd.close(), upstream.close()]);
  await home.cleanup();
});

function run(args: string[] = [], env: Record<string, string> = {}): Run {
  // The local endpoint always listens: a free port each, so runs never race for 3200.
  const portArgs = args.includes('--port') ? [] : ['--port', '0'];
  const child = spawn(process.execPath, [MAIN, ...portArgs, ...args], {
    env: { PATH: process.env.PATH, HOME: home.path, MCPCTL_HOME: home.path, MCPLOCAL_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The URL of the `local endpoint listening` log line, once it is written. */
async function endpointUrl(run: Run, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of run.stdout().split('\n')) {
      if (!line.startsWith('{')) continue;
      const record = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (record.msg === 'local endpoint listening' && typeof record.url === 'string') return record.url;
    }
    if (run.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`mcplocal did not log its local endpoint:\n${run.stdout()}${run.stderr()}`);
}

async function writeConfig(config: unknown, credentials = true): Promise<void> {
  await writeFile(join(home.path, 'config.json'), JSON.stringify(config));
  if (credentials) {
    await writeFile(join(home.path, 'credentials'), JSON.stringify({ mcpdUrl: mcpd.url, token: mcpd.token }), { mode: 0o600 });
  }
}

function publishedConfig() {
  return { providers: [{ name: 'desk-qwen', type: 'openai', url: upstream.url, model: 'fake-model', publish: true, publishName: 'qwen-desk' }] };
}

describe('the mcplocal binary', () => {
  it('publishes, serves a task, and exits 0 on SIGTERM without logging secrets', async () => {
    await writeConfig(publishedConfig());
    const mcplocal = run();
    await mcpd.waitFor('the control stream', () => mcpd.openStreams === 1, 10_000);
    expect(mcpd.registrations[0]?.providers.map((provider) => provider.name)).toEqual(['qwen-desk']);

    mcpd.pushTask({ kind: 'infer', taskId: 'bin-1', llmName: 'qwen-desk', request: { messages: [{ role: 'user', content: 'hi' }] }, streaming: false });
    await mcpd.waitFor('the answer', () => mcpd.resultsOf('bin-1').length === 1);
    expect(mcpd.resultsOf('bin-1')[0]).toMatchObject({ status: 200 });

    mcplocal.child.kill('SIGTERM');
    expect(await mcplocal.exited).toBe(0);
    const lines = mcplocal.stdout().trim().split('\n').map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(lines.some((line) => line.msg.includes('control stream open'))).toBe(true);
    expect(mcplocal.stdout()).not.toContain(mcpd.token);
    expect(mcplocal.stdout()).not.toContain('session-1');
  });

  it('says there is nothing to publish, keeps serving the local endpoint, and exits 0 on SIGTERM', async () => {
    // No credentials: a single-user machine serving its local providers, with no token to require.
    await writeConfig({ providers: [{ name: 'desk-qwen', type: 'openai', url: upstream.url, model: 'fake-model' }], localEndpoint: { requireToken: false } }, false);
    const mcplocal = run();
    const url = await endpointUrl(mcplocal);
    expect(mcplocal.stdout()).toContain('nothing to publish');
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((model) => model.id)).toEqual(['desk-qwen']);
    expect(mcplocal.child.exitCode).toBeNull();
    mcplocal.child.kill('SIGTERM');
    expect(await mcplocal.exited).toBe(0);
    expect(mcpd.registrations).toEqual([]);
  });

  it('exits 1 when another mcplocal runs with the same MCPCTL_HOME, and starts once that one has stopped', async () => {
    await writeConfig({ providers: [{ name: 'desk-qwen', type: 'openai', url: upstream.url, model: 'fake-model' }], localEndpoint: { requireToken: false } }, false);
    const first = run();
    await endpointUrl(first);
    const second = run();
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toBe(
      `mcplocal: another mcplocal (pid ${String(first.child.pid)}) runs with ${home.path}; stop it first (systemctl --user stop mcplocal, if it is the unit), or give this one its own MCPCTL_HOME (if no mcplocal runs as pid ${String(first.child.pid)}, remove ${join(home.path, 'mcplocal.lock')})\n`,
    );
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const third = run();
    await endpointUrl(third);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    // The lock went with the mcplocal that held it.
    expect(existsSync(join(home.path, 'mcplocal.lock'))).toBe(false);
  });

  it('exits 2 and tells to log in when something is to publish but there are no credentials', async () => {
    await writeConfig(publishedConfig(), false);
    const mcplocal = run();
    expect(await mcplocal.exited).toBe(2);
    expect(mcplocal.stderr()).toContain('mcpctl login');
    expect(mcplocal.stderr()).not.toContain('MCPCTL_TOKEN');
    // mcpctl's login from the environment is not mcplocal's: it says so rather than leave the user wondering.
    const withEnv = run([], { MCPCTL_URL: mcpd.url, MCPCTL_TOKEN: 'mcpctl_token' });
    expect(await withEnv.exited).toBe(2);
    expect(withEnv.stderr()).toContain('(MCPCTL_URL and MCPCTL_TOKEN are read by mcpctl only); run `mcpctl login');
  });

  it('exits 1 and says what to do when the local endpoint\'s port is taken', async () => {
    await writeConfig({ providers: [{ name: 'desk-qwen', type: 'openai', url: upstream.url, model: 'fake-model' }], localEndpoint: { requireToken: false } }, false);
    const taken = new URL(upstream.url).port;
    const mcplocal = run(['--port', taken]);
    expect(await mcplocal.exited).toBe(1);
    expect(mcplocal.stderr()).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken}: .*EADDRINUSE.*; stop what listens there, or give this one another --port\\n$`));
  });

  it('exits 2 and prints every problem of an invalid configuration', async () => {
    await writeConfig({ providers: [{ name: 'Bad Name', type: 'openai', url: 'not a url', model: 'm' }] });
    const mcplocal = run();
    expect(await mcplocal.exited).toBe(2);
    expect(mcplocal.stderr()).toMatch(/name/);
    expect(mcplocal.stderr()).toMatch(/url/);
  });

  it('exits 2 on an invalid --port', async () => {
    await writeConfig(publishedConfig());
    const mcplocal = run(['--port', 'seventy']);
    expect(await mcplocal.exited).toBe(2);
    expect(mcplocal.stderr()).toContain('port');
  });

  it.each([
    ['auto', 'websocket'],
    ['websocket', 'websocket'],
    ['sse', 'sse'],
  ] as const)('MCPLOCAL_PROVIDER_TRANSPORT=%s towards an mcpd offering the socket serves over %s', async (mode, transport) => {
    mcpd.serveSocket = true;
    await writeConfig(publishedConfig());
    const mcplocal = run([], { MCPLOCAL_PROVIDER_TRANSPORT: mode });
    await mcpd.waitFor('the control stream', () => mcpd.openStreams === 1, 10_000);
    expect(transport === 'websocket' ? mcpd.socketOpens : mcpd.streamOpens).toHaveLength(1);
    expect(transport === 'websocket' ? mcpd.streamOpens : mcpd.socketOpens).toEqual([]);
    mcpd.pushTask({ kind: 'infer', taskId: 'bin-2', llmName: 'qwen-desk', request: { messages: [{ role: 'user', content: 'hi' }] }, streaming: false });
    await mcpd.waitFor('the answer', () => mcpd.resultsOf('bin-2').length === 1);
    mcplocal.child.kill('SIGTERM');
    expect(await mcplocal.exited).toBe(0);
    expect(mcplocal.stdout()).toContain(`control stream open over ${transport}: serving tasks from mcpd`);
  });

  it('exits 1 when forced onto the socket by an mcpd that does not offer it, and 2 on a transport it does not know', async () => {
    await writeConfig(publishedConfig());
    const forced = run([], { MCPLOCAL_PROVIDER_TRANSPORT: 'websocket' });
    expect(await forced.exited).toBe(1);
    expect(forced.stderr()).toContain('does not offer the provider socket');
    // mcpd took that registration: started again on a transport it offers, mcplocal presents the
    // same session, and takes its rows back rather than finding them held by "another session".
    const fixed = run([], { MCPLOCAL_PROVIDER_TRANSPORT: 'auto' });
    await mcpd.waitFor('the control stream', () => mcpd.openStreams === 1, 10_000);
    const [first, second] = mcpd.registrations;
    expect(first?.providerSessionId).toBeUndefined();
    expect(second?.providerSessionId).toMatch(/^session-/);
    fixed.child.kill('SIGTERM');
    expect(await fixed.exited).toBe(0);
    const unknown = run([], { MCPLOCAL_PROVIDER_TRANSPORT: 'quic' });
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toContain('MCPLOCAL_PROVIDER_TRANSPORT: must be one of "auto", "sse", "websocket", not "quic"');
  });

  it('exits 1 with mcpd\'s reason when the registration is refused', async () => {
    await writeConfig(publishedConfig());
    mcpd.refuseRegistration = { status: 409, error: 'Cannot publish over public LLM: qwen-desk' };
    const mcplocal = run();
    expect(await mcplocal.exited).toBe(1);
    expect(mcplocal.stderr()).toContain('HTTP 409');
    expect(mcplocal.stderr()).toContain('Cannot publish over public LLM: qwen-desk');
  });

  it('exits 1 and says what to check when mcpd cannot be reached at start', async () => {
    await writeConfig(publishedConfig(), false);
    await writeFile(join(home.path, 'credentials'), JSON.stringify({ mcpdUrl: await closedPortUrl(), token: mcpd.token }), { mode: 0o600 });
    const mcplocal = run();
    expect(await mcplocal.exited).toBe(1);
    expect(mcplocal.stderr()).toMatch(/cannot publish to mcpd: cannot reach mcpd at .+; check that mcpd runs there \(the URL is the one mcpctl login saved\), then start mcplocal again/);
  });
});
