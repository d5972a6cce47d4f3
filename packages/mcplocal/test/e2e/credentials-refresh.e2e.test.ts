import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tokenCreatedSchema, type TokenCreated } from '@mcpctl/protocol';
import {
  makeTempDir,
  MCPLOCAL_MAIN,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type FakeUpstream,
  type SpawnedMcpd,
  type SpawnedMcplocal,
  type TempDir,
  writeMcplocalHome,
} from '@mcpctl/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/*
 * One real mcpd and, per case, the real mcplocal binary: a token mcpd revokes under a running
 * publisher and the new one `mcpctl login` writes, and which refusals carry the hint to log in.
 */
let dataDir: TempDir;
let mcpd: SpawnedMcpd;
const homes: TempDir[] = [];
const publishers: SpawnedMcplocal[] = [];
const upstreams: FakeUpstream[] = [];

beforeAll(async () => {
  dataDir = await makeTempDir('credentials-mcpd-');
  mcpd = await spawnMcpd({ dataDir: dataDir.path });
}, 120_000);

afterEach(async () => {
  await Promise.all(publishers.splice(0).map((publisher) => publisher.stop('SIGKILL')));
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
  await Promise.all(homes.splice(0).map((home) => home.cleanup()));
});

afterAll(async () => {
  await mcpd?.stop();
  await dataDir?.cleanup();
});

const api = (path: string, init: { token?: string; method?: string; json?: unknown } = {}) =>
  fetch(`${mcpd.url}${path}`, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${init.token ?? mcpd.adminToken}`, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });

/** A token for `user`, as an admin hands one out; the user is created first when `create`. */
async function tokenFor(user: string, name: string, create = false): Promise<TokenCreated> {
  if (create) expect((await api('/api/v1/users', { json: { name: user } })).status).toBe(201);
  const created = await api('/api/v1/tokens', { json: { user, name } });
  expect(created.status).toBe(201);
  return tokenCreatedSchema.parse(await created.json());
}

async function home(providers: Array<Record<string, unknown>>, token: string): Promise<TempDir> {
  const dir = await makeTempDir('credentials-home-');
  homes.push(dir);
  await writeMcplocalHome(dir.path, { providers }, { mcpdUrl: mcpd.url, token });
  return dir;
}

/** What `mcpctl login` does to the file: rewrites it in place, mode 0600. */
async function login(dir: TempDir, token: string): Promise<void> {
  await writeFile(join(dir.path, 'credentials'), `${JSON.stringify({ mcpdUrl: mcpd.url, token }, null, 2)}\n`, { mode: 0o600 });
}

/** The log records of a running mcplocal. */
function records(publisher: SpawnedMcplocal): Array<Record<string, unknown>> {
  return publisher
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Polls `check` every 25 ms until it holds; rejects after `timeoutMs` naming `what`. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(['sse', 'websocket'] as const)('a running mcplocal over %s whose token mcpd revoked', (transport) => {
  it('says the token was refused, and serves again within seconds of `mcpctl login`, without a restart', async () => {
    const user = `alice-${transport}`;
    const first = await tokenFor(user, 'laptop', true);
    const upstream = await startFakeUpstream({ tokenCount: 2 });
    upstreams.push(upstream);
    const name = `qwen-${transport}`;
    const dir = await home([{ name, type: 'openai', url: upstream.openaiBaseUrl, model: 'm', publish: true }], first.token);
    const publisher = await spawnMcplocal({ home: dir.path, env: { MCPLOCAL_PROVIDER_TRANSPORT: transport } });
    publishers.push(publisher);
    const localEndpoint = records(publisher).find((record) => record.msg === 'local endpoint listening')?.url as string;
    const infer = (token: string) => api(`/api/v1/llms/${name}/infer`, { token, json: { messages: [{ role: 'user', content: 'Hi' }] } });
    const models = (token: string) => fetch(`${localEndpoint}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    expect((await infer(first.token)).status).toBe(200);
    // Up for longer than a second: its end is followed by the quick reconnect, which mcpd refuses.
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    expect((await api(`/api/v1/tokens/${first.id}`, { method: 'DELETE' })).status).toBe(204);
    const refusedLine = () => records(publisher).find((record) => record.level === 50 && String(record.msg).includes('HTTP 401'));
    await until('the refusal logged', () => refusedLine() !== undefined);
    const refused = String(refusedLine()?.msg);
    expect(refused).toContain('run `mcpctl login` again');
    // The cause beside the stream's end: SSE cannot say why it ends, the socket's close reason does.
    expect(refused).toMatch(/^mcpd refused this mcplocal's token as it reconnected after the control stream ended \(/);
    if (transport === 'websocket') expect(refused).toContain('(mcpd closed the provider socket: the session is gone: the token it was opened with was revoked)');

    const second = await tokenFor(user, 'laptop-2');
    const loggedInAt = performance.now();
    await login(dir, second.token);
    await until('the publisher serving again', async () => (await infer(second.token)).status === 200);
    // A poll (2 s) and a registration; the backoff alone would wait 5 s, and the old token never came back.
    expect(performance.now() - loggedInAt).toBeLessThan(4_500);
    expect(publisher.process.exitCode).toBeNull();
    expect(records(publisher).some((record) => record.msg === 'new credentials: reconnecting now')).toBe(true);

    // The local endpoint takes the new token, and no longer the revoked one.
    expect((await models(second.token)).status).toBe(200);
    expect((await models(first.token)).status).toBe(401);
    expect(publisher.output()).not.toContain(first.token);
    expect(publisher.output()).not.toContain(second.token);
  }, 60_000);
});

/** Runs mcplocal until it exits, as a user starting it does; answers its exit code and stderr. */
async function runUntilExit(dir: TempDir): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MCPLOCAL_MAIN, '--port', '0'], {
    env: { PATH: process.env.PATH, HOME: dir.path, MCPCTL_HOME: dir.path, MCPLOCAL_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

describe('a registration mcpd refuses at start', () => {
  it('with 403 says mcpd\'s reason alone: logging in again would not help', async () => {
    const { token } = await tokenFor('bob', 'laptop', true);
    const upstream = await startFakeUpstream();
    upstreams.push(upstream);
    const dir = await home([{ name: 'bob-gpu', type: 'openai', url: upstream.openaiBaseUrl, model: 'm', publish: true, poolName: 'team', visibility: 'public' }], token);
    const { code, stderr } = await runUntilExit(dir);
    expect(code).toBe(1);
    expect(stderr).toContain(
      'mcpd answered the registration with HTTP 403: provider bob-gpu joins pool team as a public member, which needs a create:llms grant naming team (or keep it private)',
    );
    expect(stderr).not.toContain('mcpctl login');
  });

  it('with 401 tells to log in again', async () => {
    const revoked = await tokenFor('carol', 'laptop', true);
    expect((await api(`/api/v1/tokens/${revoked.id}`, { method: 'DELETE' })).status).toBe(204);
    const upstream = await startFakeUpstream();
    upstreams.push(upstream);
    const dir = await home([{ name: 'carol-gpu', type: 'openai', url: upstream.openaiBaseUrl, model: 'm', publish: true }], revoked.token);
    const { code, stderr } = await runUntilExit(dir);
    expect(code).toBe(1);
    // The file it read, and the MCPCTL_HOME \`mcpctl login\` must write it under.
    expect(stderr).toContain(`(the token in ${join(dir.path, 'credentials')} was refused; run \`mcpctl login\` again with MCPCTL_HOME=${dir.path})`);
  });
});
