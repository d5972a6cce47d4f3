import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { llmViewSchema, tokenCreatedSchema } from '@mcpctl/protocol';
import {
  DEFAULT_TOKENS,
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
import { eventually } from './support/eventually.js';
import { requestMcpd, type McpdRequest } from './support/request-mcpd.js';
import { ProviderStream } from './support/provider-stream.js';

/*
 * The abuse suite: mcpd, two mcplocal daemons and a fake model server as real processes and
 * servers; alice and bob are members, vera a viewer, and admin the bootstrap admin. Every case
 * is something bob (or a stranger) must not get away with, checked for its refusal and for
 * nothing having changed — with a positive control where a bare refusal could hide a bug.
 * The cases share one registry and run in order; the failed-token flood runs last because it
 * blocks the test's address for a while, and the log scan after everything else.
 */

const UPSTREAM_KEY = 'sk-abuse-upstream-secret';
const ANSWER = DEFAULT_TOKENS.join('');
const BODY_LIMIT_BYTES = 64 * 1024;
/** Result posts have their own, larger limit (plus 64 KiB for the JSON around an answer). */
const MAX_RESULT_BYTES = 256 * 1024;
const FAILURE_LIMIT = 20;
const FAILURE_WINDOW_SECONDS = 3;
const STREAMS_PER_USER = 3;

let dataDir: TempDir;
let mcpd: SpawnedMcpd;
let upstream: FakeUpstream;
const homes: TempDir[] = [];
const daemons: SpawnedMcplocal[] = [];
const handStreams: ProviderStream[] = [];
/** Every secret the run handed out; none may appear in any log. */
const secrets = new Map<string, string>();

const tokens = { alice: '', bob: '', vera: '' };
let aliceMcplocal: SpawnedMcplocal;
let bobMcplocal: SpawnedMcplocal;
/** alice's second publisher: driven by hand, so the test sees the task ids mcpd sends her. */
let aliceHand: ProviderStream;
let aliceHandSession = '';
let aliceSession = '';

const api = (path: string, init: McpdRequest = {}) => requestMcpd(mcpd, path, init);

const chat = (content = 'Hi') => ({ messages: [{ role: 'user', content }] });
const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;
const names = async (token: string, path = '/api/v1/llms') =>
  ((await (await api(path, { token })).json()) as Array<{ name: string }>).map((entry) => entry.name);
const modelIds = async (token: string) => ((await (await api('/v1/models', { token })).json()) as { data: Array<{ id: string }> }).data.map((model) => model.id);
const row = async (name: string) => llmViewSchema.parse(await (await api(`/api/v1/llms/${name}`)).json());
const answerOf = async (response: Response) => ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;

async function createUser(name: string, role: 'member' | 'viewer'): Promise<string> {
  expect((await api('/api/v1/users', { json: { name, role } })).status).toBe(201);
  const created = tokenCreatedSchema.parse(await (await api('/api/v1/tokens', { json: { user: name, name: 'abuse' } })).json());
  secrets.set(`${name}'s token`, created.token);
  return created.token;
}

/** An mcplocal publishing the same shared config as everyone, told apart by its name suffix. */
async function startMcplocal(user: string, token: string): Promise<{ daemon: SpawnedMcplocal; sessionId: string }> {
  const home = await makeTempDir(`abuse-mcplocal-${user}`);
  homes.push(home);
  const config = {
    publishNameSuffix: user,
    providers: [{ name: 'qwen', type: 'openai', url: upstream.url, model: 'fake-model', apiKeyEnv: 'LOCAL_MODEL_KEY', publish: true, poolName: `${user}-pool` }],
  };
  await writeMcplocalHome(home.path, config, { mcpdUrl: mcpd.url, token });
  const daemon = await spawnMcplocal({ home: home.path, env: { LOCAL_MODEL_KEY: UPSTREAM_KEY, MCPLOCAL_LOG_LEVEL: 'trace' } });
  daemons.push(daemon);
  const sessionId = (await readFile(join(home.path, 'provider-session'), 'utf8')).trim();
  secrets.set(`${user}'s mcplocal session`, sessionId);
  return { daemon, sessionId };
}

async function registerHand(token: string, providers: unknown[], providerSessionId?: string): Promise<Response> {
  return api('/api/v1/llms/_provider-register', { token, json: { providers, ...(providerSessionId ? { providerSessionId } : {}) } });
}

async function openHandStream(token: string, sessionId: string): Promise<ProviderStream> {
  const stream = await ProviderStream.open(mcpd.url, token, sessionId);
  handStreams.push(stream);
  return stream;
}

async function nextTask(stream: ProviderStream, seen: number): Promise<{ taskId: string; llmName: string }> {
  await stream.waitFor((open) => open.tasks().filter((task) => task.kind === 'infer').length > seen);
  const task = stream.tasks().filter((candidate) => candidate.kind === 'infer')[seen] as { taskId: string; llmName: string };
  secrets.set(`task ${task.taskId}`, task.taskId);
  return task;
}

const completion = (content: string) => ({
  id: 'chatcmpl-hand',
  object: 'chat.completion',
  created: 1,
  model: 'alice-hand',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
});

beforeAll(async () => {
  dataDir = await makeTempDir('abuse-mcpd');
  upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, tokensPerSecond: 500 });
  mcpd = await spawnMcpd({
    dataDir: dataDir.path,
    env: {
      MCPD_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
      MCPD_MAX_RESULT_BYTES: String(MAX_RESULT_BYTES),
      MCPD_AUTH_FAILURE_LIMIT: String(FAILURE_LIMIT),
      MCPD_AUTH_FAILURE_WINDOW_SECONDS: String(FAILURE_WINDOW_SECONDS),
      MCPD_MAX_STREAMS_PER_USER: String(STREAMS_PER_USER),
      MCPD_RELAY_TIMEOUT_SECONDS: '10',
      // The most talkative level: a secret must not leak even into debug output.
      MCPD_LOG_LEVEL: 'trace',
    },
  });
  secrets.set('admin token', mcpd.adminToken);
  secrets.set('upstream API key', UPSTREAM_KEY);
  tokens.alice = await createUser('alice', 'member');
  tokens.bob = await createUser('bob', 'member');
  tokens.vera = await createUser('vera', 'viewer');
  expect(
    (await api('/api/v1/llms', { json: { name: 'shared-gpt', type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl, apiKey: UPSTREAM_KEY } })).status,
  ).toBe(201);

  [{ daemon: aliceMcplocal, sessionId: aliceSession }, { daemon: bobMcplocal }] = await Promise.all([
    startMcplocal('alice', tokens.alice),
    startMcplocal('bob', tokens.bob),
  ]);

  const registered = await registerHand(tokens.alice, [{ name: 'alice-hand', type: 'openai', model: 'hand-model' }]);
  expect(registered.status).toBe(201);
  aliceHandSession = ((await registered.json()) as { providerSessionId: string }).providerSessionId;
  secrets.set("alice's hand session", aliceHandSession);
  aliceHand = await openHandStream(tokens.alice, aliceHandSession);
  await aliceHand.waitFor((open) => open.events.some((event) => event.event === 'hello'));
  // Three processes start on a busy CI machine: a first start of the embedded database alone can take a while.
}, 120_000);

afterAll(async () => {
  for (const stream of handStreams) stream.close();
  await Promise.all(daemons.map((daemon) => daemon.stop()));
  await mcpd?.stop();
  await upstream?.close();
  for (const home of homes) await home.cleanup();
  await dataDir?.cleanup();
});

/** Each case: what must be refused, and the check that it was, with nothing changed. */
const cases: Array<[string, () => Promise<void>]> = [
  [
    'admin sees everything: every private row in lists, gets, HEAD probes and /v1/models',
    async () => {
      const all = await names(mcpd.adminToken);
      expect(all).toEqual(expect.arrayContaining(['alice-hand', 'qwen-alice', 'qwen-bob', 'shared-gpt']));
      for (const name of ['alice-hand', 'qwen-alice', 'qwen-bob']) {
        expect((await api(`/api/v1/llms/${name}`, { method: 'HEAD' })).status).toBe(200);
        expect(await row(name)).toMatchObject({ visibility: 'private', kind: 'virtual' });
      }
      expect(await modelIds(mcpd.adminToken)).toEqual(expect.arrayContaining(['alice-hand', 'qwen-alice', 'qwen-bob']));
      // Published under NAME-SUFFIX from one shared config, each owned by its publisher.
      expect((await row('qwen-alice')).owner).toBe('alice');
      expect((await row('qwen-bob')).owner).toBe('bob');
    },
  ],
  [
    "bob lists LLMs and models: alice's private rows are not there",
    async () => {
      expect(await names(tokens.bob)).toEqual(['qwen-bob', 'shared-gpt']);
      expect(await modelIds(tokens.bob)).not.toContain('qwen-alice');
      expect(await modelIds(tokens.bob)).not.toContain('alice-hand');
      expect(await names(tokens.alice)).toEqual(['alice-hand', 'qwen-alice', 'shared-gpt']);
    },
  ],
  [
    "bob gets and HEADs alice's private LLM: 404, exactly like a name that does not exist",
    async () => {
      const hidden = await api('/api/v1/llms/qwen-alice', { token: tokens.bob });
      const missing = await api('/api/v1/llms/no-such-llm', { token: tokens.bob });
      expect([hidden.status, missing.status]).toEqual([404, 404]);
      expect(await errorOf(hidden)).toBe('LLM not found: qwen-alice');
      expect(await errorOf(missing)).toBe('LLM not found: no-such-llm');
      expect((await api(`/api/v1/llms/${(await row('qwen-alice')).id}`, { token: tokens.bob })).status).toBe(404);
      const probe = await api('/api/v1/llms/qwen-alice', { token: tokens.bob, method: 'HEAD' });
      expect(probe.status).toBe(404);
      expect(await probe.text()).toBe('');
      expect((await api('/api/v1/llms/qwen-alice', { token: tokens.alice, method: 'HEAD' })).status).toBe(200);
    },
  ],
  [
    "bob infers on alice's private LLM, on both APIs: 404, and her model server never hears of it",
    async () => {
      const before = upstream.requests.length;
      const infer = await api('/api/v1/llms/qwen-alice/infer', { token: tokens.bob, json: chat() });
      expect(infer.status).toBe(404);
      expect(await errorOf(infer)).toBe('LLM not found: qwen-alice');
      const openAi = await api('/v1/chat/completions', { token: tokens.bob, json: { model: 'qwen-alice', ...chat() } });
      expect(openAi.status).toBe(404);
      expect(upstream.requests.length).toBe(before);
      // Control: the owner gets an answer through her own mcplocal.
      const own = await api('/api/v1/llms/qwen-alice/infer', { token: tokens.alice, json: chat() });
      expect(own.status).toBe(200);
      expect(await answerOf(own)).toBe(ANSWER);
    },
  ],
  [
    "bob dispatches to alice's pool: 404, and her pool is not in his list",
    async () => {
      const pool = await api('/api/v1/llms/alice-pool/infer', { token: tokens.bob, json: chat() });
      expect(pool.status).toBe(404);
      const openAi = await api('/v1/chat/completions', { token: tokens.bob, json: { model: 'alice-pool', ...chat() } });
      expect(openAi.status).toBe(404);
      const pools = await api('/api/v1/pools', { token: tokens.bob });
      if (pools.status === 404 && (await errorOf(pools)).startsWith('no route')) {
        // Pools are not served by this build: the refusal above is the only thing to check.
        console.warn('abuse suite: GET /api/v1/pools is not served yet; pool dispatch checked for refusal only');
        return;
      }
      expect(pools.status).toBe(200);
      expect(((await pools.json()) as Array<{ name: string }>).map((entry) => entry.name)).not.toContain('alice-pool');
      // Control: the owner reaches her pool's member.
      const own = await api('/api/v1/llms/alice-pool/infer', { token: tokens.alice, json: chat() });
      expect(own.status).toBe(200);
      expect(await answerOf(own)).toBe(ANSWER);
    },
  ],
  [
    "bob changes or deletes alice's private LLM: 404, and the row is unchanged",
    async () => {
      const before = await row('qwen-alice');
      expect((await api('/api/v1/llms/qwen-alice', { method: 'PUT', token: tokens.bob, json: { visibility: 'public' } })).status).toBe(404);
      expect((await api('/api/v1/llms/qwen-alice', { method: 'DELETE', token: tokens.bob })).status).toBe(404);
      expect(await row('qwen-alice')).toEqual(before);
    },
  ],
  [
    "bob registers over alice's active row: 409, and her row keeps its owner, session and status",
    async () => {
      const before = await row('qwen-alice');
      const response = await registerHand(tokens.bob, [{ name: 'qwen-alice', type: 'openai', model: 'stolen' }]);
      expect(response.status).toBe(409);
      expect(await errorOf(response)).toBe('name is taken: qwen-alice');
      expect(await row('qwen-alice')).toEqual(before);
    },
  ],
  [
    "bob presents alice's session id on register: he gets a session of his own, hers keeps its rows",
    async () => {
      const response = await registerHand(tokens.bob, [{ name: 'bob-extra', type: 'openai', model: 'm' }], aliceHandSession);
      expect(response.status).toBe(201);
      const { providerSessionId } = (await response.json()) as { providerSessionId: string };
      secrets.set("bob's extra session", providerSessionId);
      expect(providerSessionId).not.toBe(aliceHandSession);
      // Had the id been honoured, alice-hand (missing from bob's payload) would have been deleted.
      expect(await row('alice-hand')).toMatchObject({ owner: 'alice', status: 'active' });
      expect((await row('bob-extra')).owner).toBe('bob');
      expect((await registerHand(tokens.bob, [{ name: 'alice-hand', type: 'openai', model: 'm' }], aliceHandSession)).status).toBe(409);
    },
  ],
  [
    "bob presents alice's session id on the control stream and on heartbeat: 404, her stream stays open",
    async () => {
      for (const sessionId of [aliceHandSession, aliceSession]) {
        const stream = await api('/api/v1/llms/_provider-stream', {
          token: tokens.bob,
          headers: { accept: 'text/event-stream', 'x-mcpctl-provider-session': sessionId },
        });
        expect(stream.status).toBe(404);
        expect(await errorOf(stream)).toBe('unknown provider session; register first');
        const heartbeat = await api('/api/v1/llms/_provider-heartbeat', { token: tokens.bob, json: { providerSessionId: sessionId } });
        expect(heartbeat.status).toBe(404);
      }
      // Each refusal was answered before the next request: by now any stream it closed is closed.
      expect((await row('alice-hand')).status).toBe('active');
      expect((await row('qwen-alice')).status).toBe('active');
      expect(aliceHand.closed).toBe(false);
    },
  ],
  [
    "bob posts a result for a task sent to alice's session: 404, and alice's caller gets alice's answer",
    async () => {
      const seen = aliceHand.tasks().filter((task) => task.kind === 'infer').length;
      const caller = api('/api/v1/llms/alice-hand/infer', { token: tokens.alice, json: chat('who answers?') });
      const task = await nextTask(aliceHand, seen);
      expect(task.llmName).toBe('alice-hand');
      const forged = await api(`/api/v1/llms/_provider-task/${task.taskId}/result`, { token: tokens.bob, json: { status: 200, body: completion('bob was here') } });
      expect(forged.status).toBe(404);
      const forgedChunk = await api(`/api/v1/llms/_provider-task/${task.taskId}/result`, { token: tokens.bob, json: { error: 'bob broke it' } });
      expect(forgedChunk.status).toBe(404);
      const real = await api(`/api/v1/llms/_provider-task/${task.taskId}/result`, { token: tokens.alice, json: { status: 200, body: completion('alice answers') } });
      expect(real.status).toBe(200);
      const answer = await caller;
      expect(answer.status).toBe(200);
      expect(await answerOf(answer)).toBe('alice answers');
    },
  ],
  [
    'a replayed result for a finished task: 404',
    async () => {
      const seen = aliceHand.tasks().filter((task) => task.kind === 'infer').length;
      const caller = api('/api/v1/llms/alice-hand/infer', { token: tokens.alice, json: chat() });
      const task = await nextTask(aliceHand, seen);
      const post = () => api(`/api/v1/llms/_provider-task/${task.taskId}/result`, { token: tokens.alice, json: { status: 200, body: completion('once') } });
      expect((await post()).status).toBe(200);
      expect(await answerOf(await caller)).toBe('once');
      expect((await post()).status).toBe(404);
      expect((await api(`/api/v1/llms/_provider-task/${task.taskId}/result`, { token: tokens.bob, json: { error: 'late' } })).status).toBe(404);
    },
  ],
  [
    "bob adopts alice's inactive row: 409, and it stays hers",
    async () => {
      aliceHand.close();
      await eventually(async () => (await row('alice-hand')).status === 'inactive');
      const before = await row('alice-hand');
      const response = await registerHand(tokens.bob, [{ name: 'alice-hand', type: 'openai', model: 'adopted' }]);
      expect(response.status).toBe(409);
      expect(await errorOf(response)).toBe('name is taken: alice-hand');
      expect(await row('alice-hand')).toEqual(before);
      // Control: alice reconnects with her session and the row revives.
      expect((await registerHand(tokens.alice, [{ name: 'alice-hand', type: 'openai', model: 'hand-model' }], aliceHandSession)).status).toBe(201);
      aliceHand = await openHandStream(tokens.alice, aliceHandSession);
      await eventually(async () => (await row('alice-hand')).status === 'active');
    },
  ],
  [
    'bob opens more control streams than his cap: 429, and his publisher keeps its stream',
    async () => {
      const opened: ProviderStream[] = [];
      let refused: Response | undefined;
      for (let index = 0; index < STREAMS_PER_USER && !refused; index += 1) {
        const registered = await registerHand(tokens.bob, [{ name: `bob-cap-${index}`, type: 'openai', model: 'm' }]);
        const { providerSessionId } = (await registered.json()) as { providerSessionId: string };
        secrets.set(`bob's cap session ${index}`, providerSessionId);
        const stream = await openHandStream(tokens.bob, providerSessionId);
        if (stream.status === 200) opened.push(stream);
        else {
          expect(stream.status).toBe(429);
          // The same refusal again, read for its message.
          refused = await api('/api/v1/llms/_provider-stream', {
            token: tokens.bob,
            headers: { accept: 'text/event-stream', 'x-mcpctl-provider-session': providerSessionId },
          });
        }
      }
      // bob's mcplocal holds one stream, so the cap leaves room for STREAMS_PER_USER - 1 more.
      expect(opened).toHaveLength(STREAMS_PER_USER - 1);
      expect(refused?.status).toBe(429);
      expect(await errorOf(refused!)).toBe(`you already have ${STREAMS_PER_USER} control streams open; close some before opening more`);
      for (const stream of opened) stream.close();
      // Control: bob's own mcplocal still serves his LLM.
      const own = await api('/api/v1/llms/qwen-bob/infer', { token: tokens.bob, json: chat() });
      expect(own.status).toBe(200);
    },
  ],
  [
    'a revoked token: 401 on the very next request',
    async () => {
      const created = tokenCreatedSchema.parse(await (await api('/api/v1/tokens', { token: tokens.bob, json: { name: 'soon-revoked' } })).json());
      secrets.set("bob's revoked token", created.token);
      expect((await api('/api/v1/llms', { token: created.token })).status).toBe(200);
      expect((await api('/api/v1/tokens/soon-revoked', { method: 'DELETE', token: tokens.bob })).status).toBe(204);
      const refused = await api('/api/v1/llms', { token: created.token });
      expect(refused.status).toBe(401);
      expect(await errorOf(refused)).toBe('the token is not valid');
    },
  ],
  [
    'an expired token: 401',
    async () => {
      const created = tokenCreatedSchema.parse(await (await api('/api/v1/tokens', { token: tokens.bob, json: { name: 'short-lived', expiresIn: '1s' } })).json());
      secrets.set("bob's expired token", created.token);
      expect((await api('/api/v1/llms', { token: created.token })).status).toBe(200);
      // A real process checks expiry on its own clock: the second really has to pass.
      await sleep(Math.max(0, Date.parse(created.expiresAt!) - Date.now()) + 50);
      const refused = await api('/api/v1/llms', { token: created.token });
      expect(refused.status).toBe(401);
      expect(await errorOf(refused)).toBe('the token has expired');
    },
  ],
  [
    'an oversized body: 413 on inference, result posts (past their own limit) and account routes, nothing created',
    async () => {
      const big = 'x'.repeat(BODY_LIMIT_BYTES + 1024);
      const infer = await api('/api/v1/llms/qwen-bob/infer', { token: tokens.bob, json: chat(big) });
      expect(infer.status).toBe(413);
      expect(await errorOf(infer)).toBe(`request body is too large: this route takes at most ${BODY_LIMIT_BYTES} bytes (MCPD_BODY_LIMIT_BYTES)`);
      expect((await api('/v1/chat/completions', { token: tokens.bob, json: { model: 'qwen-bob', ...chat(big) } })).status).toBe(413);
      // A result as large as the general limit is an ordinary answer; past its own limit it is refused.
      expect((await api('/api/v1/llms/_provider-task/task_x/result', { token: tokens.bob, json: { status: 200, body: big } })).status).toBe(404);
      const huge = 'x'.repeat(MAX_RESULT_BYTES + 64 * 1024 + 1024);
      expect((await api('/api/v1/llms/_provider-task/task_x/result', { token: tokens.bob, json: { status: 200, body: huge } })).status).toBe(413);
      expect((await api('/api/v1/llms/_provider-register', { token: tokens.bob, json: { providers: [{ name: 'huge', type: 'openai', model: big }] } })).status).toBe(413);
      expect((await api('/api/v1/tokens', { token: tokens.bob, json: { name: 'huge', padding: big } })).status).toBe(413);
      expect((await api('/api/v1/llms/huge')).status).toBe(404);
    },
  ],
  [
    'a viewer creating or publishing an LLM: 403, nothing created',
    async () => {
      const created = await api('/api/v1/llms', { token: tokens.vera, json: { name: 'vera-gpt', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
      expect(created.status).toBe(403);
      expect(await errorOf(created)).toBe('registering an LLM with mcpd needs the create:llms permission');
      const published = await registerHand(tokens.vera, [{ name: 'vera-local', type: 'openai', model: 'm' }]);
      expect(published.status).toBe(403);
      const granted = await api('/api/v1/rolebindings', { token: tokens.vera, json: { name: 'vera-admin', subjectKind: 'user', subjectName: 'vera', role: 'admin' } });
      expect(granted.status).toBe(403);
      expect((await api('/api/v1/llms/vera-gpt')).status).toBe(404);
      expect((await api('/api/v1/llms/vera-local')).status).toBe(404);
      // Control: the viewer does see public LLMs.
      expect(await names(tokens.vera)).toEqual(['shared-gpt']);
    },
  ],
  [
    'a member making itself admin, or minting a token for another user: 403, nothing granted',
    async () => {
      expect((await api('/api/v1/users/bob', { method: 'PUT', token: tokens.bob, json: { role: 'admin' } })).status).toBe(403);
      for (const user of ['alice', 'admin', 'nobody-at-all']) {
        const minted = await api('/api/v1/tokens', { token: tokens.bob, json: { user } });
        expect(minted.status).toBe(403);
        expect(await errorOf(minted)).toBe(`only an admin may create a token for another user (${user})`);
      }
      const status = (await (await api('/api/v1/status', { token: tokens.bob })).json()) as { user: { admin: boolean } };
      expect(status.user.admin).toBe(false);
    },
  ],
  [
    `50 wrong tokens in a row: 429 with Retry-After past ${FAILURE_LIMIT} failures until the window ends; right tokens still get in`,
    async () => {
      // Earlier cases' failed tokens (revoked, expired) opened a fixed window for this address:
      // it ends first, or it would end midway through these 50 and let failures count afresh.
      await sleep(FAILURE_WINDOW_SECONDS * 1000);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 50; attempt += 1) {
        statuses.push((await api('/api/v1/llms', { token: `mcpctl_guess-${attempt}-0123456789abcdef` })).status);
      }
      const firstRefusal = statuses.indexOf(429);
      expect(firstRefusal).toBeGreaterThan(0);
      expect(firstRefusal).toBeLessThanOrEqual(FAILURE_LIMIT);
      expect(statuses.slice(0, firstRefusal).every((status) => status === 401)).toBe(true);
      expect(statuses.slice(firstRefusal).every((status) => status === 429)).toBe(true);
      expect((await api('/api/v1/llms')).status).toBe(200);
      const blocked = await api('/api/v1/llms', { token: 'mcpctl_guess-after-0123456789abcdef' });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // The window runs on the real process's own clock: wait out what its Retry-After said, then one try.
      await sleep(Number(blocked.headers.get('retry-after')) * 1000);
      expect((await api('/api/v1/llms', { token: 'mcpctl_guess-late-0123456789abcdef' })).status).toBe(401);
    },
  ],
  [
    'no token, API key or session id appears in any log line of mcpd or either mcplocal',
    async () => {
      // Stopping first, so the daemons' last lines are in too.
      await aliceMcplocal.stop();
      await bobMcplocal.stop();
      const logs = { mcpd: mcpd.output(), 'alice mcplocal': aliceMcplocal.output(), 'bob mcplocal': bobMcplocal.output() };
      expect(logs.mcpd).toContain('mcpd listening');
      expect(logs['alice mcplocal']).toContain('control stream open');
      const leaks: string[] = [];
      for (const [process, output] of Object.entries(logs)) {
        for (const [what, secret] of secrets) if (output.includes(secret)) leaks.push(`${what} in the ${process} log`);
      }
      expect(secrets.size).toBeGreaterThanOrEqual(12);
      expect(leaks).toEqual([]);
    },
  ],
];

describe(`abuse suite (${cases.length} cases)`, () => {
  for (const [title, run] of cases) it(title, run);
});
