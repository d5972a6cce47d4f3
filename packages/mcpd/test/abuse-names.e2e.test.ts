import { tokenCreatedSchema } from '@mcpctl/protocol';
import { DEFAULT_TOKENS, makeTempDir, spawnMcpd, startFakeUpstream, type FakeUpstream, type SpawnedMcpd, type TempDir } from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestMcpd, type McpdRequest } from './support/request-mcpd.js';
import { ProviderStream } from './support/provider-stream.js';

/*
 * The abuse suite's cases for one namespace, gated pools and revoked tokens (SPEC §12): mcpd as
 * a real process, a fake model server, and control streams driven by hand so the test sees every
 * task mcpd sends a publisher. bob and alice are members; carol is a member who may also create
 * public LLMs (`create:llms` for every name), like the reviewer who found these holes. Each case
 * is a refusal checked for its status and for nothing having changed; the log scan runs last.
 */

const UPSTREAM_KEY = 'sk-names-upstream-secret';
const ANSWER = DEFAULT_TOKENS.join('');
/**
 * carol's LLMs are created and refused, never called: a member may not point an LLM at loopback,
 * so they name an address of the documentation range (nothing is ever sent there).
 */
const UNCALLED_URL = 'http://203.0.113.10/v1';

let dataDir: TempDir;
let mcpd: SpawnedMcpd;
let upstream: FakeUpstream;
const handStreams: ProviderStream[] = [];
/** Every secret the run handed out; none may appear in the log. */
const secrets = new Map<string, string>();
const tokens = { alice: '', bob: '', carol: '' };

const api = (path: string, init: McpdRequest = {}) => requestMcpd(mcpd, path, init);

const chat = (content = 'Hi') => ({ messages: [{ role: 'user', content }] });
const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;
const answerOf = async (response: Response) => ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;
/** What the registry holds, as the admin sees it: every LLM, agent and pool with the fields a refusal must not change. */
async function registry(): Promise<unknown> {
  const list = async (path: string) => (await (await api(path)).json()) as Array<Record<string, unknown>>;
  const pick = (entries: Array<Record<string, unknown>>, fields: string[]) => entries.map((entry) => Object.fromEntries(fields.map((field) => [field, entry[field]])));
  return {
    llms: pick(await list('/api/v1/llms'), ['name', 'kind', 'poolName', 'visibility', 'owner']),
    agents: pick(await list('/api/v1/agents'), ['name', 'llm', 'visibility', 'owner']),
    pools: pick(await list('/api/v1/pools'), ['name', 'members']),
  };
}

async function createUser(name: string): Promise<string> {
  expect((await api('/api/v1/users', { json: { name, role: 'member' } })).status).toBe(201);
  return mintToken(name, 'names');
}

async function mintToken(user: string, name: string): Promise<string> {
  const created = tokenCreatedSchema.parse(await (await api('/api/v1/tokens', { json: { user, name } })).json());
  secrets.set(`${user}'s token ${name}`, created.token);
  return created.token;
}

async function register(token: string, providers: unknown[], agents?: unknown[]): Promise<Response> {
  return api('/api/v1/llms/_provider-register', { token, json: { providers, ...(agents ? { agents } : {}) } });
}

/** Registers by hand and opens the control stream, as mcplocal would. */
async function publish(token: string, providers: unknown[]): Promise<{ sessionId: string; stream: ProviderStream }> {
  const registered = await register(token, providers);
  expect(registered.status).toBe(201);
  const sessionId = ((await registered.json()) as { providerSessionId: string }).providerSessionId;
  secrets.set(`session ${sessionId}`, sessionId);
  const stream = await ProviderStream.open(mcpd.url, token, sessionId);
  handStreams.push(stream);
  await stream.waitFor((open) => open.events.some((event) => event.event === 'hello'));
  return { sessionId, stream };
}

const inferTasks = (stream: ProviderStream) => stream.tasks().filter((task) => task.kind === 'infer') as Array<{ taskId: string; llmName: string }>;

beforeAll(async () => {
  dataDir = await makeTempDir('abuse-names-mcpd');
  upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, tokensPerSecond: 500 });
  mcpd = await spawnMcpd({ dataDir: dataDir.path, env: { MCPD_LOG_LEVEL: 'trace', MCPD_RELAY_TIMEOUT_SECONDS: '30', MCPD_RECONNECT_GRACE_SECONDS: '0' } });
  secrets.set('admin token', mcpd.adminToken);
  secrets.set('upstream API key', UPSTREAM_KEY);
  tokens.alice = await createUser('alice');
  tokens.bob = await createUser('bob');
  tokens.carol = await createUser('carol');
  expect((await api('/api/v1/rolebindings', { json: { name: 'carol-creates', subjectKind: 'user', subjectName: 'carol', permissions: ['create:llms'] } })).status).toBe(201);
  const upstreamLlm = { type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl, apiKey: UPSTREAM_KEY };
  // The admin's shared pool, a public agent, and rows nobody else can see.
  expect((await api('/api/v1/llms', { json: { name: 'team-gpt', poolName: 'team', ...upstreamLlm } })).status).toBe(201);
  expect((await api('/api/v1/llms', { json: { name: 'admin-private', visibility: 'private', ...upstreamLlm } })).status).toBe(201);
  expect((await api('/api/v1/agents', { json: { name: 'helper', llm: 'team-gpt' } })).status).toBe(201);
  expect((await api('/api/v1/agents', { json: { name: 'ops-agent', llm: 'team-gpt', visibility: 'private' } })).status).toBe(201);
  // alice publishes a private row into her own pool, with its stream open.
  await publish(tokens.alice, [{ name: 'alice-local', type: 'openai', model: 'm', poolName: 'alice-pool' }]);
}, 120_000);

afterAll(async () => {
  for (const stream of handStreams) stream.close();
  await mcpd?.stop();
  await upstream?.close();
  await dataDir?.cleanup();
});

const cases: Array<[string, () => Promise<void>]> = [
  [
    "bob publishes virtual LLMs named like the admin's agent and the admin's pool: 409, nothing registered, both still answer",
    async () => {
      const before = await registry();
      const asAgent = await register(tokens.bob, [{ name: 'helper', type: 'openai', model: 'm', visibility: 'public' }]);
      expect(asAgent.status).toBe(409);
      expect(await errorOf(asAgent)).toBe('the name helper is already taken by an agent: LLMs, agents and pools share one namespace');
      const asPool = await register(tokens.bob, [{ name: 'team', type: 'openai', model: 'm', visibility: 'public' }]);
      expect(asPool.status).toBe(409);
      expect(await errorOf(asPool)).toBe('the name team is already taken by a pool: LLMs, agents and pools share one namespace');
      expect(await registry()).toEqual(before);
      // Control: the names still mean what they meant, for another user's prompts too.
      const viaAgent = await api('/v1/chat/completions', { token: tokens.alice, json: { model: 'helper', ...chat() } });
      expect(viaAgent.status).toBe(200);
      expect(await answerOf(viaAgent)).toBe(ANSWER);
      const viaPool = await api('/v1/chat/completions', { token: tokens.alice, json: { model: 'team', ...chat() } });
      expect(await answerOf(viaPool)).toBe(ANSWER);
    },
  ],
  [
    'a poolName that is an LLM or an agent, and an agent named like a pool: 409 on publish, create and update, the whole payload rejected',
    async () => {
      const before = await registry();
      const intoLlm = await register(tokens.bob, [{ name: 'bob-a', type: 'openai', model: 'm', poolName: 'team-gpt' }]);
      expect(intoLlm.status).toBe(409);
      const intoAgent = await register(tokens.bob, [{ name: 'bob-b', type: 'openai', model: 'm', poolName: 'helper' }]);
      expect(intoAgent.status).toBe(409);
      // One conflict among good entries rejects them all.
      const mixed = await register(tokens.bob, [{ name: 'bob-ok', type: 'openai', model: 'm' }], [{ name: 'team', llmName: 'bob-ok' }]);
      expect(mixed.status).toBe(409);
      expect(await errorOf(mixed)).toBe('the name team is already taken by a pool: LLMs, agents and pools share one namespace');
      const created = await api('/api/v1/llms', { token: tokens.carol, json: { name: 'carol-a', type: 'openai', model: 'm', url: UNCALLED_URL, poolName: 'helper', visibility: 'private' } });
      expect(created.status).toBe(409);
      // An LLM named like the pool it joins: no other pool holds the name, so none is named.
      const selfNamed = await api('/api/v1/llms', { token: tokens.carol, json: { name: 'carol-c', type: 'openai', model: 'm', url: UNCALLED_URL, poolName: 'carol-c', visibility: 'private' } });
      expect(selfNamed.status).toBe(409);
      expect(await errorOf(selfNamed)).toBe('LLM carol-c cannot join a pool named carol-c: LLMs, agents and pools share one namespace; give the pool another name');
      const selfNamedPublished = await register(tokens.bob, [{ name: 'bob-c', type: 'openai', model: 'm', poolName: 'bob-c' }]);
      expect(selfNamedPublished.status).toBe(409);
      expect(await errorOf(selfNamedPublished)).toBe('LLM bob-c cannot join a pool named bob-c: LLMs, agents and pools share one namespace; give the pool another name');
      const agent = await api('/api/v1/agents', { token: tokens.bob, json: { name: 'team', llm: 'team-gpt' } });
      expect(agent.status).toBe(409);
      expect(await registry()).toEqual(before);
      // Update: carol's own LLM may not move into a pool named like an agent.
      expect((await api('/api/v1/llms', { token: tokens.carol, json: { name: 'carol-b', type: 'openai', model: 'm', url: UNCALLED_URL, visibility: 'private' } })).status).toBe(201);
      const moved = await api('/api/v1/llms/carol-b', { method: 'PUT', token: tokens.carol, json: { poolName: 'helper' } });
      expect(moved.status).toBe(409);
      expect((await (await api('/api/v1/llms/carol-b')).json()) as { poolName: unknown }).toMatchObject({ poolName: null });
      // Nor into a pool of its own name: refused in the words its creation would get.
      const ownPool = await api('/api/v1/llms/carol-b', { method: 'PUT', token: tokens.carol, json: { poolName: 'carol-b' } });
      expect(ownPool.status).toBe(409);
      expect(await errorOf(ownPool)).toBe('LLM carol-b cannot join a pool named carol-b: LLMs, agents and pools share one namespace; give the pool another name');
      expect((await (await api('/api/v1/llms/carol-b')).json()) as { poolName: unknown }).toMatchObject({ poolName: null });
      expect((await api('/api/v1/llms/carol-b', { method: 'DELETE', token: tokens.carol })).status).toBe(204);
    },
  ],
  [
    'names the caller cannot see: 409 saying only "name is taken", on publish and create alike',
    async () => {
      const before = await registry();
      const refusals = [
        // The admin's private public-kind LLM and private agent; alice's private row (its stream open) and her private pool.
        await register(tokens.bob, [{ name: 'admin-private', type: 'openai', model: 'm' }]),
        await register(tokens.bob, [{ name: 'ops-agent', type: 'openai', model: 'm' }]),
        await register(tokens.bob, [{ name: 'alice-local', type: 'openai', model: 'm' }]),
        await register(tokens.bob, [{ name: 'alice-pool', type: 'openai', model: 'm' }]),
        await register(tokens.bob, [{ name: 'bob-c', type: 'openai', model: 'm', poolName: 'ops-agent' }]),
        await register(tokens.bob, [{ name: 'bob-d', type: 'openai', model: 'm' }], [{ name: 'alice-local', llmName: 'bob-d' }]),
        await api('/api/v1/agents', { token: tokens.bob, json: { name: 'ops-agent', llm: 'team-gpt' } }),
        await api('/api/v1/agents', { token: tokens.bob, json: { name: 'alice-local', llm: 'team-gpt' } }),
        await api('/api/v1/llms', { token: tokens.carol, json: { name: 'ops-agent', type: 'openai', model: 'm', url: UNCALLED_URL } }),
        await api('/api/v1/llms', { token: tokens.carol, json: { name: 'admin-private', type: 'openai', model: 'm', url: UNCALLED_URL } }),
      ];
      const names = ['admin-private', 'ops-agent', 'alice-local', 'alice-pool', 'ops-agent', 'alice-local', 'ops-agent', 'alice-local', 'ops-agent', 'admin-private'];
      const answers = await Promise.all(refusals.map(async (response) => [response.status, await errorOf(response)]));
      expect(answers).toEqual(names.map((name) => [409, `name is taken: ${name}`]));
      expect(await registry()).toEqual(before);
    },
  ],
  [
    'two creates of one name as different kinds at the same moment: exactly one wins, ten times over',
    async () => {
      for (let round = 0; round < 10; round += 1) {
        const name = `race-${round}`;
        const [llm, agent, pool] = await Promise.all([
          api('/api/v1/llms', { token: tokens.carol, json: { name, type: 'openai', model: 'm', url: UNCALLED_URL } }),
          api('/api/v1/agents', { token: tokens.bob, json: { name, llm: 'team-gpt' } }),
          register(tokens.alice, [{ name: `alice-race-${round}`, type: 'openai', model: 'm', poolName: name }]),
        ]);
        if (pool.status === 201) {
          const sessionId = ((await pool.json()) as { providerSessionId: string }).providerSessionId;
          secrets.set(`session ${sessionId}`, sessionId);
        }
        expect([llm.status, agent.status, pool.status].filter((status) => status === 201)).toHaveLength(1);
        expect([llm.status, agent.status, pool.status].filter((status) => status === 409)).toHaveLength(2);
        const held = [(await api(`/api/v1/llms/${name}`)).status, (await api(`/api/v1/agents/${name}`)).status];
        // Exactly one kind answers to the name: an LLM (or the pool's view on the same route), or an agent.
        expect(held.filter((status) => status === 200)).toHaveLength(1);
      }
    },
  ],
  [
    "bob's private row in the admin's pool: it may join, but nobody else's prompts reach it, the admin's included",
    async () => {
      const { stream } = await publish(tokens.bob, [{ name: 'bob-gpu', type: 'openai', model: 'm', poolName: 'team' }]);
      for (const token of [mcpd.adminToken, tokens.alice, mcpd.adminToken, tokens.alice, mcpd.adminToken, tokens.alice]) {
        const answer = await api('/api/v1/llms/team/infer', { token, json: chat() });
        expect(answer.status).toBe(200);
        expect(await answerOf(answer)).toBe(ANSWER);
        expect(answer.headers.get('x-mcpctl-served-by')).toBe('team-gpt');
      }
      expect(inferTasks(stream)).toEqual([]);
    },
  ],
  [
    "a member's public row joining the admin's pool: 403 on publish, create and update, nothing changed; a grant naming the pool lets it in",
    async () => {
      const before = await registry();
      const published = await register(tokens.bob, [{ name: 'bob-gpu-2', type: 'openai', model: 'm', poolName: 'team', visibility: 'public' }]);
      expect(published.status).toBe(403);
      expect(await errorOf(published)).toBe('provider bob-gpu-2 joins pool team as a public member, which needs a create:llms grant naming team (or keep it private)');
      // An unlimited create:llms grant names every LLM, but no pool.
      const created = await api('/api/v1/llms', { token: tokens.carol, json: { name: 'carol-gpu', type: 'openai', model: 'm', url: UNCALLED_URL, poolName: 'team' } });
      expect(created.status).toBe(403);
      // Turning a private member public is joining too.
      const turnedPublic = await api('/api/v1/llms/bob-gpu', { method: 'PUT', token: tokens.bob, json: { visibility: 'public' } });
      expect(turnedPublic.status).toBe(403);
      expect(await registry()).toEqual(before);
      expect((await (await api('/api/v1/llms/bob-gpu')).json()) as { visibility: string }).toMatchObject({ visibility: 'private' });

      // Control: a grant naming the pool lets carol in.
      expect((await api('/api/v1/rolebindings', { json: { name: 'carol-team', subjectKind: 'user', subjectName: 'carol', permissions: ['create:llms'], resourceNames: ['team'] } })).status).toBe(201);
      const granted = await api('/api/v1/llms', { token: tokens.carol, json: { name: 'carol-gpu', type: 'openai', model: 'fake-model', url: UNCALLED_URL, apiKey: UPSTREAM_KEY, poolName: 'team' } });
      expect(granted.status).toBe(201);
      // And the published form: create:llms:virtual naming the pool lets bob's public row in.
      expect((await api('/api/v1/rolebindings', { json: { name: 'bob-team', subjectKind: 'user', subjectName: 'bob', permissions: ['create:llms:virtual'], resourceNames: ['team'] } })).status).toBe(201);
      const joined = await register(tokens.bob, [{ name: 'bob-gpu-2', type: 'openai', model: 'm', poolName: 'team', visibility: 'public' }]);
      expect(joined.status).toBe(201);
      const joinedSession = ((await joined.json()) as { providerSessionId: string }).providerSessionId;
      secrets.set(`session ${joinedSession}`, joinedSession);
      expect((await (await api('/api/v1/pools/team')).json()) as { members: string[] }).toMatchObject({ members: ['bob-gpu', 'bob-gpu-2', 'carol-gpu', 'team-gpt'] });
    },
  ],
  [
    'revoking the token a control stream was opened with closes it at once and fails its task; result posts, heartbeats and new streams with it get 401',
    async () => {
      const streamToken = await mintToken('bob', 'bob-stream');
      const { sessionId, stream } = await publish(streamToken, [{ name: 'bob-revoked', type: 'openai', model: 'm' }]);
      // bob's other stream, opened with his main token, must stay.
      const other = await publish(tokens.bob, [{ name: 'bob-kept', type: 'openai', model: 'm' }]);
      const waiting = api('/api/v1/llms/bob-revoked/infer', { token: tokens.bob, json: chat() });
      await stream.waitFor((open) => inferTasks(open).length === 1);
      const [task] = inferTasks(stream);
      secrets.set(`task ${task!.taskId}`, task!.taskId);

      expect((await api('/api/v1/tokens/bob-stream', { method: 'DELETE', token: tokens.bob })).status).toBe(204);
      const failed = await waiting;
      expect(failed.status).toBe(503);
      await stream.waitFor((open) => open.closed);
      // Closed by the revocation itself: the 190 s the stream used to stay open for would outlast this test.
      expect((await (await api('/api/v1/llms/bob-revoked')).json()) as { status: string }).toMatchObject({ status: 'inactive' });
      const result = await api(`/api/v1/llms/_provider-task/${task!.taskId}/result`, { token: streamToken, json: { status: 200, body: { forged: true } } });
      expect(result.status).toBe(401);
      expect((await api('/api/v1/llms/_provider-heartbeat', { token: streamToken, json: { providerSessionId: sessionId } })).status).toBe(401);
      expect((await ProviderStream.open(mcpd.url, streamToken, sessionId)).status).toBe(401);
      expect(other.stream.closed).toBe(false);
      expect((await (await api('/api/v1/llms/bob-kept')).json()) as { status: string }).toMatchObject({ status: 'active' });

      // Deleting a user ends its streams the same way.
      const daveToken = await createUser('dave');
      const dave = await publish(daveToken, [{ name: 'dave-local', type: 'openai', model: 'm' }]);
      const daveWaiting = api('/api/v1/llms/dave-local/infer', { json: chat() });
      await dave.stream.waitFor((open) => inferTasks(open).length === 1);
      expect((await api('/api/v1/users/dave', { method: 'DELETE' })).status).toBe(204);
      expect((await daveWaiting).status).toBe(503);
      await dave.stream.waitFor((open) => open.closed);
      expect((await api('/api/v1/llms/dave-local')).status).toBe(404);
    },
  ],
  [
    'no token, API key, session id or task id appears in any line of the mcpd log',
    async () => {
      const output = mcpd.output();
      expect(output).toContain('mcpd listening');
      const leaks = [...secrets].filter(([, secret]) => output.includes(secret)).map(([what]) => what);
      expect(secrets.size).toBeGreaterThanOrEqual(10);
      expect(leaks).toEqual([]);
    },
  ],
];

describe(`abuse suite: names, pools and revoked tokens (${cases.length} cases)`, () => {
  for (const [title, run] of cases) it(title, run, 60_000);
});
