import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auditRecordViewSchema, errorBodySchema, llmViewSchema, tokenCreatedSchema } from '@mcpctl/protocol';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  makeTempDir,
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
import { requestMcpd, type McpdRequest } from './support/request-mcpd.js';
import { ProviderStream } from './support/provider-stream.js';

/*
 * The abuse cases of the audit and of upstream error texts, with mcpd and fake model servers as
 * real processes and servers: alice and bob are members, admin the bootstrap admin. An upstream
 * that echoes the credential it refused, a publisher relaying such an echo, an LLM URL carrying
 * credentials, and a model name the audit table cannot hold — none may leak a secret to a
 * member or the audit, or cost another user's audit record. The log scan runs last.
 */

const hex = () => randomBytes(16).toString('hex');
/** A key of no recognizable shape: only knowing it is the stored key masks it. */
const LEAKY_KEY = `zq9-${hex()}`;
/** bob's workstation key for his model server, which echoes it: only his mcplocal knows it. */
const BOB_LOCAL_KEY = `zq5-${hex()}`;
/** A publisher's upstream key mcpd never saw: masked by its shape. */
const RELAY_KEY = `sk-relay-${hex()}`;
const URL_PASSWORD = `pw${hex()}`;
/** The password in the URL of an LLM whose upstream quotes it back in plain words. */
const ECHOED_PASSWORD = `pw${hex()}`;
const URL_QUERY_SECRET = `q${hex()}`;
/** A key given beside URL credentials, where both would be the Authorization header. */
const REFUSED_KEY = `zq7-${hex()}`;

let dataDir: TempDir;
let mcpd: SpawnedMcpd;
let good: FakeUpstream;
let leaky: FakeUpstream;
let leakyBasic: FakeUpstream;
/** bob's model server, refusing his key and quoting it back. */
let bobsServer: FakeUpstream;
let bobHome: TempDir;
let bobMcplocal: SpawnedMcplocal | undefined;
/** A model server that notes the URL of each request, so the test sees the stored URL is the one called. */
let noting: Server;
let notingUrl = '';
const notedUrls: string[] = [];
const notedAuthorizations: Array<string | undefined> = [];
const handStreams: ProviderStream[] = [];
/** Every secret the run handed out; none may appear in any log. */
const secrets = new Map<string, string>([
  ['leaky upstream key', LEAKY_KEY],
  ["a publisher's upstream key", RELAY_KEY],
  ["bob's local model key", BOB_LOCAL_KEY],
  ['URL password', URL_PASSWORD],
  ['an echoed URL password', ECHOED_PASSWORD],
  ['URL query secret', URL_QUERY_SECRET],
  ['a key refused beside URL credentials', REFUSED_KEY],
]);
const tokens = { alice: '', bob: '' };

const api = (path: string, init: McpdRequest = {}) => requestMcpd(mcpd, path, init);

const chat = (model: string, stream = false) => ({ model, stream, messages: [{ role: 'user', content: 'Hi' }] });
const audit = async (query: string) => auditRecordViewSchema.array().parse(await (await api(`/api/v1/audit?${query}`)).json());

async function createUser(name: string): Promise<string> {
  expect((await api('/api/v1/users', { json: { name, role: 'member' } })).status).toBe(201);
  const created = tokenCreatedSchema.parse(await (await api('/api/v1/tokens', { json: { user: name, name: 'abuse' } })).json());
  secrets.set(`${name}'s token`, created.token);
  return created.token;
}

function expectNoSecret(text: string): void {
  for (const [what, secret] of secrets) expect(text.includes(secret), `${what} in ${text.slice(0, 300)}`).toBe(false);
}

beforeAll(async () => {
  dataDir = await makeTempDir('abuse-sanitize-mcpd');
  good = await startFakeUpstream({ tokensPerSecond: 500 });
  // An upstream refusing the key it was sent, quoting it back, as real ones do.
  leaky = await startFakeUpstream({
    fail: {
      status: 401,
      message: `Incorrect API key provided: ${LEAKY_KEY}. Request: Authorization: Bearer ${LEAKY_KEY}, x-api-key: ${LEAKY_KEY}`,
    },
  });
  // An upstream refusing the user and password of mcpd's Basic authorization in plain words.
  leakyBasic = await startFakeUpstream({ fail: { status: 401, message: `user svc with password ${ECHOED_PASSWORD} is not allowed here` } });
  noting = createServer((request, response) => {
    notedUrls.push(request.url ?? '');
    notedAuthorizations.push(request.headers.authorization);
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 'chatcmpl-noted', object: 'chat.completion', created: 1, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content: 'noted' }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((resolve) => noting.listen(0, '127.0.0.1', resolve));
  notingUrl = `http://127.0.0.1:${(noting.address() as AddressInfo).port}/v1`;
  mcpd = await spawnMcpd({ dataDir: dataDir.path, env: { MCPD_LOG_LEVEL: 'trace', MCPD_RELAY_TIMEOUT_SECONDS: '10' } });
  secrets.set('admin token', mcpd.adminToken);
  tokens.alice = await createUser('alice');
  tokens.bob = await createUser('bob');
  const create = (body: Record<string, unknown>) => api('/api/v1/llms', { json: { type: 'openai', model: 'fake-model', visibility: 'public', ...body } });
  expect((await create({ name: 'leaky-gpt', url: leaky.openaiBaseUrl, apiKey: LEAKY_KEY })).status).toBe(201);
  expect((await create({ name: 'leaky-claude', type: 'anthropic', url: leaky.url, apiKey: LEAKY_KEY })).status).toBe(201);
  expect((await create({ name: 'good-gpt', url: good.openaiBaseUrl })).status).toBe(201);
  expect((await create({ name: 'leaky-basic', url: leakyBasic.openaiBaseUrl.replace('://', `://svc:${ECHOED_PASSWORD}@`) })).status).toBe(201);
  const withCredentials = new URL(notingUrl);
  withCredentials.username = 'svc';
  withCredentials.password = URL_PASSWORD;
  withCredentials.searchParams.set('api_key', URL_QUERY_SECRET);
  withCredentials.searchParams.set('deployment', 'one');
  expect((await create({ name: 'signed-gpt', url: withCredentials.toString() })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  for (const stream of handStreams) stream.close();
  await bobMcplocal?.stop();
  await mcpd?.stop();
  await bobsServer?.close();
  await bobHome?.cleanup();
  await good?.close();
  await leaky?.close();
  await leakyBasic?.close();
  await new Promise((resolve) => (noting ? noting.close(resolve) : resolve(undefined)));
  await dataDir?.cleanup();
});

const cases: Array<[string, () => Promise<void>]> = [
  [
    "bob's mcplocal publishing a model server that quotes bob's key in its 401: bob's mcplocal masks it before mcpd, the caller and the audit see it",
    async () => {
      bobsServer = await startFakeUpstream({ fail: { status: 401, message: `invalid key ${BOB_LOCAL_KEY}` } });
      bobHome = await makeTempDir('abuse-sanitize-bob');
      const config = { providers: [{ name: 'desk', type: 'openai', url: bobsServer.url, model: 'fake-model', apiKeyEnv: 'BOB_LOCAL_KEY', publish: true, publishName: 'bob-desk' }] };
      await writeMcplocalHome(bobHome.path, config, { mcpdUrl: mcpd.url, token: tokens.bob });
      bobMcplocal = await spawnMcplocal({ home: bobHome.path, env: { BOB_LOCAL_KEY, MCPLOCAL_LOG_LEVEL: 'trace' } });
      secrets.set("bob's mcplocal session", (await readFile(join(bobHome.path, 'provider-session'), 'utf8')).trim());
      for (const stream of [false, true]) {
        const response = await api('/v1/chat/completions', { token: tokens.bob, json: chat('bob-desk', stream) });
        expect(response.status).toBe(502);
        const text = await response.text();
        expect(text).toContain('invalid key ***');
        expectNoSecret(text);
      }
      expect(bobsServer.requests.length).toBe(2);
      const rows = await audit('llm=bob-desk');
      expect(rows).toHaveLength(2);
      for (const row of rows) expectNoSecret(JSON.stringify(row));
    },
  ],
  [
    "an upstream echoing mcpd's key, or its URL's password, in its 401: the member gets a 502 without it, the audit row too",
    async () => {
      for (const model of ['leaky-gpt', 'leaky-claude', 'leaky-basic']) {
        for (const stream of [false, true]) {
          const response = await api('/v1/chat/completions', { token: tokens.alice, json: chat(model, stream) });
          expect(response.status).toBe(502);
          const text = await response.text();
          expect(text).toContain('refused mcpd');
          expect(text).toContain('***');
          expectNoSecret(text);
        }
      }
      const rows = [...(await audit('llm=leaky-gpt')), ...(await audit('llm=leaky-claude')), ...(await audit('llm=leaky-basic'))];
      expect(rows).toHaveLength(6);
      for (const row of rows) {
        expect(row.status).toBe(502);
        expect(row.error).toContain('***');
        expectNoSecret(JSON.stringify(row));
      }
      // alice reads her own records: the same masked texts.
      expectNoSecret(await (await api('/api/v1/audit?llm=leaky-gpt', { token: tokens.alice })).text());
    },
  ],
  [
    "a publisher relaying its upstream's echo of a key: the caller and the audit see it masked",
    async () => {
      const registered = await api('/api/v1/llms/_provider-register', { token: tokens.bob, json: { providers: [{ name: 'bob-hand', type: 'openai', model: 'hand-model' }] } });
      expect(registered.status).toBe(201);
      const sessionId = ((await registered.json()) as { providerSessionId: string }).providerSessionId;
      secrets.set("bob's hand session", sessionId);
      const hand = await ProviderStream.open(mcpd.url, tokens.bob, sessionId);
      handStreams.push(hand);
      await hand.waitFor((open) => open.events.some((event) => event.event === 'hello'));
      const results = [
        { status: 401, body: { error: { message: `Incorrect API key provided: ${RELAY_KEY}`, type: 'invalid_request_error' } } },
        { error: `upstream answered 401: {"detail":"bad credentials","headers":{"authorization":"Bearer ${RELAY_KEY}"}}` },
      ];
      for (const [index, result] of results.entries()) {
        const call = api('/v1/chat/completions', { token: tokens.bob, json: chat('bob-hand') });
        await hand.waitFor((open) => open.tasks().filter((task) => task.kind === 'infer').length > index);
        const task = hand.tasks().filter((candidate) => candidate.kind === 'infer')[index] as { taskId: string };
        secrets.set(`task ${task.taskId}`, task.taskId);
        expect((await api(`/api/v1/llms/_provider-task/${task.taskId}/result`, { token: tokens.bob, json: result })).ok).toBe(true);
        const response = await call;
        expect(response.status).toBe(502);
        const text = await response.text();
        expect(text).toContain('***');
        expectNoSecret(text);
      }
      const rows = await audit('llm=bob-hand');
      expect(rows).toHaveLength(2);
      for (const row of rows) expectNoSecret(JSON.stringify(row));
    },
  ],
  [
    "an LLM URL with credentials: shown masked to everyone (its creator the admin too), called as stored with its user info as Basic authorization, and refused beside an API key that takes the same header",
    async () => {
      for (const token of [mcpd.adminToken, tokens.alice]) {
        const list = await (await api('/api/v1/llms', { token })).text();
        expectNoSecret(list);
        const view = llmViewSchema.parse(await (await api('/api/v1/llms/signed-gpt', { token })).json());
        expect(view.url).toContain('://***:***@');
        expect(view.url).toContain('api_key=***');
        expect(view.url).toContain('deployment=one');
      }
      const answer = await api('/v1/chat/completions', { token: tokens.alice, json: chat('signed-gpt') });
      expect(answer.status).toBe(200);
      expect(notedUrls.at(-1)).toBe(`/v1/chat/completions?api_key=${URL_QUERY_SECRET}&deployment=one`);
      expect(notedAuthorizations.at(-1)).toBe(`Basic ${Buffer.from(`svc:${URL_PASSWORD}`).toString('base64')}`);
      // The masked URL sent back (an edited document) keeps the stored one.
      const shown = llmViewSchema.parse(await (await api('/api/v1/llms/signed-gpt')).json()).url;
      expect((await api('/api/v1/llms/signed-gpt', { method: 'PUT', json: { url: shown, description: 'edited' } })).status).toBe(200);
      expect((await api('/v1/chat/completions', { token: tokens.alice, json: chat('signed-gpt') })).status).toBe(200);
      expect(notedUrls.at(-1)).toBe(`/v1/chat/completions?api_key=${URL_QUERY_SECRET}&deployment=one`);
      expect(notedUrls).toHaveLength(2);
      // The masked URL edited elsewhere keeps the credentials the masks stand for; copied to a new LLM, it is refused.
      const moved = shown!.replace('deployment=one', 'deployment=two');
      expect((await api('/api/v1/llms/signed-gpt', { method: 'PUT', json: { url: moved } })).status).toBe(200);
      expect((await api('/v1/chat/completions', { token: tokens.alice, json: chat('signed-gpt') })).status).toBe(200);
      expect(notedUrls.at(-1)).toBe(`/v1/chat/completions?api_key=${URL_QUERY_SECRET}&deployment=two`);
      expect(notedAuthorizations.at(-1)).toBe(`Basic ${Buffer.from(`svc:${URL_PASSWORD}`).toString('base64')}`);
      const copied = await api('/api/v1/llms', { json: { name: 'signed-copy', type: 'openai', model: 'fake-model', url: moved } });
      expect(copied.status).toBe(400);
      expect(errorBodySchema.parse(await copied.json()).error).toBe(
        "the URL of LLM signed-copy holds *** for its user name and password and query parameter api_key, a view's mask standing for a stored value, and a new LLM has none; write the real values",
      );
      // Moved to another server, the masks are not filled in: the stored values never go anywhere else.
      const elsewhere = await api('/api/v1/llms/signed-gpt', { method: 'PUT', json: { url: moved.replace(new URL(notingUrl).host, new URL(good.openaiBaseUrl).host) } });
      expect(elsewhere.status).toBe(400);
      expect(errorBodySchema.parse(await elsewhere.json()).error).toBe(
        'the URL of LLM signed-gpt holds *** for its user name and password and query parameter api_key, and names another server than the stored URL, to which the stored values are never sent; write the real values',
      );
      const stored = llmViewSchema.parse(await (await api('/api/v1/llms/signed-gpt')).json());
      const keyed = await api('/api/v1/llms/signed-gpt', { method: 'PUT', json: { apiKey: REFUSED_KEY } });
      expect(keyed.status).toBe(400);
      expect(errorBodySchema.parse(await keyed.json()).error).toMatch(/keep one: the key .* or the URL's user:pass@/);
      const both = { name: 'signed-keyed', type: 'openai', model: 'fake-model', url: notingUrl.replace('://', `://svc:${URL_PASSWORD}@`), apiKey: REFUSED_KEY };
      expect((await api('/api/v1/llms', { json: both })).status).toBe(400);
      // Anthropic's key has a header of its own: both go.
      expect((await api('/api/v1/llms', { json: { ...both, type: 'anthropic' } })).status).toBe(201);
      expect((await api('/api/v1/llms/signed-keyed', { method: 'DELETE' })).status).toBe(204);
      expect(llmViewSchema.parse(await (await api('/api/v1/llms/signed-gpt')).json())).toEqual(stored);
    },
  ],
  [
    "a model name the audit table cannot hold: refused, and no other user's audit record is lost with it",
    async () => {
      const huge = randomBytes(45 * 1024).toString('base64');
      const [first, answered, second] = await Promise.all([
        api('/v1/chat/completions', { token: tokens.bob, json: chat(huge) }),
        api('/v1/chat/completions', { token: tokens.alice, json: chat('good-gpt') }),
        api('/v1/chat/completions', { token: tokens.bob, json: chat(`${huge}x`) }),
      ]);
      expect([400, 404]).toContain(first.status);
      expect([400, 404]).toContain(second.status);
      expect(answered.status).toBe(200);
      const alices = await audit('llm=good-gpt&user=alice');
      expect(alices.filter((row) => row.status === 200)).toHaveLength(1);
      for (const row of await audit('user=bob&limit=100')) expect(row.llmName.length).toBeLessThanOrEqual(256);
      const metrics = await (await api('/metrics')).text();
      expect(metrics).toMatch(/mcpd_audit_records_lost_total 0\b/);
    },
  ],
];

describe('abuse: audit and upstream error texts', () => {
  it.each(cases)('%s', async (_name, run) => run(), 60_000);

  it(
    "no key, token, URL credential or session id appears in any log line of mcpd or bob's mcplocal",
    async () => {
      // Stopping first, so the daemons' last lines are in too.
      for (const stream of handStreams) stream.close();
      await bobMcplocal?.stop();
      await mcpd.stop();
      const output = mcpd.output();
      expect(output).toContain('mcpd listening');
      // The leaky upstreams' failures are logged, as sanitized as the caller saw them.
      const failures = output.split('\n').filter((line) => line.includes('"inference failed upstream"')).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(failures.map((line) => line.llm)).toEqual(expect.arrayContaining(['leaky-gpt', 'leaky-claude', 'leaky-basic']));
      for (const line of failures) expect(line).toMatchObject({ level: 40, status: 502, error: expect.stringContaining('***') });
      const leaks = [...secrets].filter(([, secret]) => output.includes(secret)).map(([what]) => what);
      const bobs = bobMcplocal?.output() ?? '';
      expect(bobs).toContain('control stream open');
      expect(bobs).toContain('invalid key ***');
      leaks.push(...[...secrets].filter(([, secret]) => bobs.includes(secret)).map(([what]) => `${what} in bob's mcplocal log`));
      expect(secrets.size).toBeGreaterThanOrEqual(8);
      expect(leaks).toEqual([]);
    },
    30_000,
  );
});
