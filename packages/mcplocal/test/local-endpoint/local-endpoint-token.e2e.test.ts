import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  makeTempDir,
  parseLogLine,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type FakeUpstream,
  type SpawnedMcpd,
  type SpawnedMcplocal,
  type TempDir,
  writeMcplocalHome,
} from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The abuse case of mcplocal's local endpoint, with mcpd, mcplocal and the model servers as real
 * processes and servers. alice's workstation runs mcplocal with her credentials, publishing a
 * private LLM; any other account on the machine reaches the loopback port too. Without alice's
 * token it must get nothing: not her local model, not her private LLM through mcpd, not even
 * the list of models — and nothing may reach a model server or the audit.
 */

const HI = [{ role: 'user', content: 'Hi' }];

let dataDir: TempDir;
let mcpd: SpawnedMcpd;
let desk: FakeUpstream;
const homes: TempDir[] = [];
const daemons: SpawnedMcplocal[] = [];
let aliceEndpoint = '';
const tokens = { alice: '', bob: '' };
/** Every secret the run handed out; none may appear in any log. */
const secrets = new Map<string, string>();

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${mcpd.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${mcpd.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return response;
}

async function createUser(name: string): Promise<string> {
  await admin('POST', '/api/v1/users', { name, role: 'member' });
  const { token } = (await (await admin('POST', '/api/v1/tokens', { user: name, name: 'workstation' })).json()) as { token: string };
  secrets.set(`${name}'s token`, token);
  return token;
}

async function startMcplocal(config: Record<string, unknown>, token: string, readyMessage?: string): Promise<{ daemon: SpawnedMcplocal; url: string; home: string }> {
  const home = await makeTempDir('local-endpoint-token-');
  homes.push(home);
  await writeMcplocalHome(home.path, config, { mcpdUrl: mcpd.url, token });
  const daemon = await spawnMcplocal({ home: home.path, ...(readyMessage ? { readyMessage } : {}) });
  daemons.push(daemon);
  const url = daemon
    .output()
    .split('\n')
    .map((line) => parseLogLine(line))
    .find((record) => record?.msg === 'local endpoint listening')?.url;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return { daemon, url: String(url), home: home.path };
}

function call(base: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const auditCount = async () => ((await (await admin('GET', '/api/v1/audit?limit=1000')).json()) as unknown[]).length;

beforeAll(async () => {
  dataDir = await makeTempDir('local-endpoint-token-mcpd-');
  [mcpd, desk] = await Promise.all([spawnMcpd({ dataDir: dataDir.path, env: { MCPD_LOG_LEVEL: 'trace' } }), startFakeUpstream()]);
  secrets.set('admin token', mcpd.adminToken);
  tokens.alice = await createUser('alice');
  tokens.bob = await createUser('bob');
  let home: string;
  ({ url: aliceEndpoint, home } = await startMcplocal(
    { providers: [{ name: 'desk-qwen', type: 'openai', url: desk.url, model: 'fake-model', publish: true, publishName: 'alice-private' }] },
    tokens.alice,
  ));
  secrets.set("alice's mcplocal session", (await readFile(join(home, 'provider-session'), 'utf8')).trim());
}, 120_000);

afterAll(async () => {
  await Promise.all(daemons.map((daemon) => daemon.stop()));
  await mcpd?.stop();
  await desk?.close();
  for (const home of homes) await home.cleanup();
  await dataDir?.cleanup();
});

describe("abuse: another account on alice's workstation", () => {
  it.each<[string, Record<string, string> | (() => Record<string, string>)]>([
    ['no token', {}],
    ["bob's valid mcpd token", () => ({ authorization: `Bearer ${tokens.bob}` })],
    ['a wrong token of the same length', () => ({ authorization: `Bearer ${'x'.repeat(tokens.alice.length)}` })],
    ['a wrong x-api-key', () => ({ 'x-api-key': `${tokens.alice}x` })],
  ])('%s: 401 on every route, and nothing reaches a model server or the audit', async (_what, headersOf) => {
    const headers = typeof headersOf === 'function' ? headersOf() : headersOf;
    const upstreamBefore = desk.requests.length;
    const auditBefore = await auditCount();
    const answers = [
      await call(aliceEndpoint, '/v1/chat/completions', headers, { model: 'desk-qwen', messages: HI }),
      await call(aliceEndpoint, '/v1/chat/completions', headers, { model: 'alice-private', messages: HI }),
      await call(aliceEndpoint, '/v1/chat/completions', headers, { model: 'alice-private', messages: HI, stream: true }),
      await call(aliceEndpoint, '/v1/models', headers),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      const body = (await answer.json()) as { error: string };
      expect(body.error).toMatch(/bearer token/);
      expect(JSON.stringify(body)).not.toContain(tokens.alice);
    }
    expect(desk.requests.length).toBe(upstreamBefore);
    expect(await auditCount()).toBe(auditBefore);
  });

  it("alice's own token, as her editor sends it: served locally and through mcpd (failover's access check included)", async () => {
    const auditBefore = await auditCount();
    const local = await call(aliceEndpoint, '/v1/chat/completions', { authorization: `Bearer ${tokens.alice}` }, { model: 'desk-qwen', messages: HI });
    expect(local.status).toBe(200);
    const central = await call(aliceEndpoint, '/v1/chat/completions', { authorization: `Bearer ${tokens.alice}` }, { model: 'alice-private', messages: HI });
    expect(central.status).toBe(200);
    const models = (await (await call(aliceEndpoint, '/v1/models', { 'x-api-key': tokens.alice })).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((model) => model.id)).toEqual(expect.arrayContaining(['desk-qwen', 'alice-private']));
    expect(await auditCount()).toBe(auditBefore + 1);
  });

  it('"localEndpoint": {"requireToken": false} serves without a token, for a single-user machine', async () => {
    const open = await startMcplocal(
      { providers: [{ name: 'desk-qwen', type: 'openai', url: desk.url, model: 'fake-model' }], localEndpoint: { requireToken: false } },
      tokens.bob,
      'local endpoint listening',
    );
    const answer = await call(open.url, '/v1/chat/completions', {}, { model: 'desk-qwen', messages: HI });
    expect(answer.status).toBe(200);
    expect(open.daemon.output()).toContain('requires no token');
  });

  it('a config with a misspelt switch is refused at start, naming it', async () => {
    const home = await makeTempDir('local-endpoint-token-bad-');
    homes.push(home);
    await writeMcplocalHome(home.path, { providers: [], localEndpoint: { requireTokens: false } }, { mcpdUrl: mcpd.url, token: tokens.bob });
    await expect(spawnMcplocal({ home: home.path, readyMessage: 'local endpoint listening' })).rejects.toThrow(/localEndpoint/);
  });

  it("no token or session id appears in any log line of mcpd or mcplocal", async () => {
    const logs = { mcpd: mcpd.output(), ...Object.fromEntries(daemons.map((daemon, index) => [`mcplocal ${index}`, daemon.output()])) };
    expect(logs.mcpd).toContain('mcpd listening');
    const leaks: string[] = [];
    for (const [process, output] of Object.entries(logs)) {
      for (const [what, secret] of secrets) if (output.includes(secret)) leaks.push(`${what} in the ${process} log`);
    }
    expect(secrets.size).toBeGreaterThanOrEqual(4);
    expect(leaks).toEqual([]);
  });
});
