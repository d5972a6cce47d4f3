import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { auditRecordViewSchema, llmViewSchema, tokenCreatedSchema } from '@mcpctl/protocol';
import { DEFAULT_TOKENS, makeTempDir, spawnMcpd, startFakeUpstream, type FakeUpstream, type SpawnedMcpd, type TempDir } from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { requestMcpd, type McpdRequest } from './support/request-mcpd.js';

/*
 * The abuse suite's upstream cases: what an ordinary user must not do through mcpd's calls to
 * model servers and through /metrics. mcpd runs as a real process with a real fake upstream;
 * bob is a member, vera a viewer, carol a member who may register public LLMs. Each case checks
 * the refusal and that nothing changed, with a positive control where a bare refusal could hide
 * a bug. The cases run in order over one registry; the log scan runs last.
 */

const UPSTREAM_KEY = 'sk-abuse-upstream-secret-2';
const METRICS_TOKEN = `scrape_${randomBytes(24).toString('base64url')}`;
const ANSWER = DEFAULT_TOKENS.join('');

let dataDir: TempDir;
let mcpd: SpawnedMcpd;
let upstream: FakeUpstream;
/** The same fake model server on a non-loopback address of this machine, if it has one. */
let lanUpstream: FakeUpstream | undefined;
/** Every secret the run handed out; none may appear in the log. */
const secrets = new Map<string, string>();
const tokens = { bob: '', vera: '', carol: '', looper: '' };

const api = (path: string, init: McpdRequest = {}) => requestMcpd(mcpd, path, init);
/** Inference calls mcpd is answering now, from its own gauge. */
const inferenceInFlight = async () => Number(/^mcpd_inference_in_flight (\S+)$/m.exec(await (await api('/metrics')).text())?.[1]);

const chat = (content = 'Hi') => ({ messages: [{ role: 'user', content }] });
const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;
const answerOf = async (response: Response) => ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;
const llmNames = async () => ((await (await api('/api/v1/llms')).json()) as Array<{ name: string }>).map((entry) => entry.name);
const row = async (name: string) => llmViewSchema.parse(await (await api(`/api/v1/llms/${name}`)).json());
const metrics = async () => (await api('/metrics', { token: METRICS_TOKEN })).text();
/** The per-name series of inference requests and latencies, with their values. */
const inferenceSeries = (text: string) => text.split('\n').filter((line) => line.startsWith('mcpd_inference_'));
const gpt = (name: string, url: string) => ({ name, type: 'openai', model: 'fake-model', url, apiKey: UPSTREAM_KEY });

async function audited(llm: string): Promise<Array<{ status: number; userName: string | null }>> {
  const response = await api(`/api/v1/audit?llm=${encodeURIComponent(llm)}&limit=1000`);
  expect(response.status).toBe(200);
  return auditRecordViewSchema.array().parse(await response.json());
}

async function createUser(name: string, role: 'member' | 'viewer'): Promise<string> {
  expect((await api('/api/v1/users', { json: { name, role } })).status).toBe(201);
  const created = tokenCreatedSchema.parse(await (await api('/api/v1/tokens', { json: { user: name, name: 'abuse-upstream' } })).json());
  secrets.set(`${name}'s token`, created.token);
  return created.token;
}

async function grant(name: string, subjectName: string, grantOf: { role: 'admin' } | { permissions: string[] }): Promise<void> {
  expect((await api('/api/v1/rolebindings', { json: { name, subjectKind: 'user', subjectName, ...grantOf } })).status).toBe(201);
}

/** An IPv4 address of this machine other than loopback, where a member's LLM may point. */
function lanAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === 'IPv4' && !entry.internal)?.address;
}

beforeAll(async () => {
  dataDir = await makeTempDir('abuse-upstream-mcpd');
  upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, tokensPerSecond: 500 });
  const lan = lanAddress();
  if (lan) lanUpstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, tokensPerSecond: 500, host: lan });
  mcpd = await spawnMcpd({
    dataDir: dataDir.path,
    env: {
      MCPD_METRICS_TOKEN: METRICS_TOKEN,
      // The most talkative level: a secret must not leak even into debug output.
      MCPD_LOG_LEVEL: 'trace',
    },
  });
  secrets.set('admin token', mcpd.adminToken);
  secrets.set('upstream API key', UPSTREAM_KEY);
  secrets.set('metrics scrape token', METRICS_TOKEN);
  tokens.bob = await createUser('bob', 'member');
  tokens.vera = await createUser('vera', 'viewer');
  tokens.carol = await createUser('carol', 'member');
  tokens.looper = await createUser('looper', 'member');
  await grant('carol-creates-llms', 'carol', { permissions: ['create:llms'] });
  expect((await api('/api/v1/llms', { json: gpt('shared-gpt', upstream.openaiBaseUrl) })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await mcpd?.stop();
  await upstream?.close();
  await lanUpstream?.close();
  await dataDir?.cleanup();
});

/** Each case: what must be refused, and the check that it was, with nothing changed. */
const cases: Array<[string, () => Promise<void>]> = [
  [
    '/metrics without a token, with a wrong one, as a member or a viewer: 401/403 and no metrics; admin and the scrape token read them, and that token opens nothing else',
    async () => {
      expect((await api('/api/v1/llms/shared-gpt/infer', { token: tokens.bob, json: chat() })).status).toBe(200);
      for (const [token, status] of [
        [null, 401],
        ['mcpctl_not-a-real-token-0123456789', 401],
        [`${METRICS_TOKEN}x`, 401],
        [tokens.bob, 403],
        [tokens.vera, 403],
      ] as const) {
        const response = await api('/metrics', { token });
        expect(response.status).toBe(status);
        const text = await response.text();
        expect(text).not.toContain('mcpd_inference_requests_total');
        expect(text).not.toContain('shared-gpt');
      }
      const refused = await api('/metrics', { token: tokens.bob });
      expect(await errorOf(refused)).toBe('reading /metrics takes an admin token or the scrape token (MCPD_METRICS_TOKEN)');
      // Controls: the admin and the scraper read the same counters.
      for (const token of [mcpd.adminToken, METRICS_TOKEN]) {
        const response = await api('/metrics', { token });
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('mcpd_inference_requests_total{llm="shared-gpt",status="200"} 1');
      }
      // The scrape token opens nothing else.
      const list = await api('/api/v1/llms', { token: METRICS_TOKEN });
      expect(list.status).toBe(401);
      expect(await errorOf(list)).toBe('the token is not valid');
      expect((await api('/v1/chat/completions', { token: METRICS_TOKEN, json: { model: 'shared-gpt', ...chat() } })).status).toBe(401);
      expect((await api('/api/v1/status', { token: METRICS_TOKEN })).status).toBe(401);
    },
  ],
  [
    'requests for a dozen made-up names: counted under one _unknown label, no name becomes a series, the metrics stay small',
    async () => {
      const before = await metrics();
      const madeUp = Array.from({ length: 12 }, (_, index) => `made-up-${index}-${'z'.repeat(index * 20)}`);
      for (const name of madeUp) {
        expect((await api('/v1/chat/completions', { token: tokens.bob, json: { model: name, ...chat() } })).status).toBe(404);
        // Fastify refuses path parameters past 100 characters (414) before any route sees them.
        expect((await api(`/api/v1/llms/${name}/infer`, { token: tokens.bob, json: chat() })).status).toBe(name.length > 100 ? 414 : 404);
      }
      const after = await metrics();
      for (const name of madeUp) expect(after).not.toContain(name);
      const routed = madeUp.filter((name) => name.length <= 100).length;
      expect(after).toContain(`mcpd_inference_requests_total{llm="_unknown",status="404"} ${madeUp.length + routed}`);
      // One new label value for all of them: a counter and a histogram's lines, not 24 of each.
      expect(after.length - before.length).toBeLessThan(4096);
      // Control: a real name is still its own series.
      expect(after).toContain('mcpd_inference_requests_total{llm="shared-gpt",status="200"} 1');
    },
  ],
  [
    'model longer than 256 characters (up to 3 MB): 400, audited and counted without the name',
    async () => {
      const before = await metrics();
      const auditedBefore = (await api('/api/v1/audit?limit=1000').then((response) => response.json())) as unknown[];
      for (const model of ['m'.repeat(257), 'm'.repeat(3 * 1024 * 1024)]) {
        const response = await api('/v1/chat/completions', { token: tokens.bob, json: { model, ...chat() } });
        expect(response.status).toBe(400);
        expect(await errorOf(response)).toBe('invalid request body: model: model is at most 256 characters');
      }
      // A name that long in the path never reaches a route: Fastify answers 414 past 100 characters.
      expect((await api(`/api/v1/llms/${'p'.repeat(300)}/infer`, { token: tokens.bob, json: chat() })).status).toBe(414);
      expect((await api(`/api/v1/agents/${'a'.repeat(300)}/chat`, { token: tokens.bob, json: chat() })).status).toBe(414);
      const after = await metrics();
      expect(after).not.toContain('mmmm');
      // The two refusals count under `_unknown`, the one label of names not in the registry.
      const refusedCount = (text: string) => Number(/mcpd_inference_requests_total\{llm="_unknown",status="400"\} (\d+)/.exec(text)?.[1] ?? 0);
      expect(refusedCount(after) - refusedCount(before)).toBe(2);
      expect(inferenceSeries(after).filter((line) => !line.includes('_unknown'))).toEqual(inferenceSeries(before).filter((line) => !line.includes('_unknown')));
      const audited = (await api('/api/v1/audit?limit=1000').then((response) => response.json())) as Array<{ llmName: string; status: number }>;
      expect(audited.slice(0, audited.length - auditedBefore.length).map(({ llmName, status }) => [llmName, status])).toEqual([
        ['-', 400],
        ['-', 400],
      ]);
      // Control: exactly 256 characters is a name mcpd looks up (and does not find).
      expect((await api('/v1/chat/completions', { token: tokens.bob, json: { model: 'm'.repeat(256), ...chat() } })).status).toBe(404);
    },
  ],
  [
    "an LLM pointing at mcpd's own /v1: one request gets 508 at once, streaming too, and nothing keeps looping",
    async () => {
      // The loop's key is a valid token: without the hop header each call would be served again.
      expect((await api('/api/v1/llms', { json: { name: 'loop', type: 'openai', model: 'loop', url: `${mcpd.url}/v1`, apiKey: tokens.looper } })).status).toBe(201);
      const looped = await api('/v1/chat/completions', { token: tokens.bob, json: { model: 'loop', ...chat() } });
      expect(looped.status).toBe(508);
      expect(await errorOf(looped)).toContain('request loop: this request has already passed through this mcpd');
      const streamed = await api('/api/v1/llms/loop/infer', { token: tokens.bob, json: { ...chat(), stream: true } });
      expect(streamed.status).toBe(508);
      // Each request is two arrivals: the caller's, and mcpd's own call that came back and was refused.
      await eventually(async () => (await audited('loop')).length === 4);
      const records = await audited('loop');
      expect(records.every((record) => record.status === 508)).toBe(true);
      expect(records.filter((record) => record.userName === 'looper')).toHaveLength(2);

      // A caller that leaves at once: its request ends too, and the count settles. (On a fast
      // machine the 508 may come back within the 5 ms; either way nothing may keep going.)
      const gone = api('/v1/chat/completions', { token: tokens.bob, json: { model: 'loop', ...chat() }, signal: AbortSignal.timeout(5) });
      expect([508, 'left']).toContain(await gone.then((response) => response.status, () => 'left'));
      // Settled once nothing is in flight: a loop still going would hold a call open at every hop.
      await eventually(async () => (await inferenceInFlight()) === 0);
      const settled = (await audited('loop')).length;
      expect(settled).toBeLessThanOrEqual(6);
      expect(await inferenceInFlight()).toBe(0);
      expect((await audited('loop')).length).toBe(settled);
    },
  ],
  [
    'every upstream call carries the hop header; a request naming this mcpd, or four instances already, gets 508 and the upstream hears nothing',
    async () => {
      const seen = upstream.requests.length;
      const passed = await api('/api/v1/llms/shared-gpt/infer', { token: tokens.bob, json: chat(), headers: { 'x-mcpctl-hop': 'edge-a, edge-b,edge-c' } });
      expect(passed.status).toBe(200);
      expect(await answerOf(passed)).toBe(ANSWER);
      const hop = String(upstream.requests.at(-1)?.headers['x-mcpctl-hop']);
      expect(hop).toMatch(/^edge-a,edge-b,edge-c,mcpd-[A-Za-z0-9_-]+$/);
      const instanceId = hop.split(',').at(-1)!;
      expect(upstream.requests.length).toBe(seen + 1);

      const back = await api('/v1/chat/completions', { token: tokens.bob, json: { model: 'shared-gpt', ...chat() }, headers: { 'x-mcpctl-hop': `edge-a,${instanceId}` } });
      expect(back.status).toBe(508);
      const tooFar = await api('/api/v1/llms/shared-gpt/infer', { token: tokens.bob, json: chat(), headers: { 'x-mcpctl-hop': 'a,b,c,d' } });
      expect(tooFar.status).toBe(508);
      expect(await errorOf(tooFar)).toBe('request loop: this request has already passed through 4 mcpd instances (at most 4)');
      const garbled = await api('/api/v1/llms/shared-gpt/infer', { token: tokens.bob, json: chat(), headers: { 'x-mcpctl-hop': 'a b,c' } });
      expect(garbled.status).toBe(400);
      expect(upstream.requests.length).toBe(seen + 1);
    },
  ],
  [
    'a member with create:llms pointing an LLM at loopback, link-local or instance metadata: 400, nothing created',
    async () => {
      const port = new URL(upstream.url).port;
      const refused: Array<[string, string]> = [
        [`http://127.0.0.1:${port}/v1`, 'the URL\'s host 127.0.0.1 is a loopback address'],
        [`http://localhost:${port}/v1`, 'the URL\'s host localhost is a loopback address'],
        [`http://[::1]:${port}/v1`, 'the URL\'s host ::1 is a loopback address'],
        [`http://[::ffff:127.0.0.1]:${port}/v1`, 'the URL\'s host ::ffff:7f00:1 is a loopback address'],
        [`http://2130706433:${port}/v1`, 'the URL\'s host 127.0.0.1 is a loopback address'],
        [`http://0.0.0.0:${port}/v1`, 'the URL\'s host 0.0.0.0 is a loopback address'],
        ['http://169.254.169.254/latest/meta-data', 'the URL\'s host 169.254.169.254 is an instance-metadata address'],
        ['http://[fd00:ec2::254]/latest', 'the URL\'s host fd00:ec2::254 is an instance-metadata address'],
        ['http://metadata.google.internal/computeMetadata/v1', 'the URL\'s host metadata.google.internal is an instance-metadata address'],
        ['http://169.254.10.20:8000/v1', 'the URL\'s host 169.254.10.20 is a link-local address'],
        ['http://[fe80::1]:8000/v1', 'the URL\'s host fe80::1 is a link-local address'],
      ];
      const before = await llmNames();
      for (const [index, [url, message]] of refused.entries()) {
        const response = await api('/api/v1/llms', { token: tokens.carol, json: gpt(`carol-bad-${index}`, url) });
        expect(response.status, url).toBe(400);
        expect(await errorOf(response)).toBe(`${message}; only admins may point an LLM at loopback, link-local or instance-metadata addresses`);
      }
      expect(await llmNames()).toEqual(before);
      expect((await api('/api/v1/llms/carol-bad-0')).status).toBe(404);
      // Control: an admin may point an LLM at loopback, and it answers.
      expect((await api('/api/v1/llms', { json: gpt('admin-local', `http://localhost:${port}/v1`) })).status).toBe(201);
      const answered = await api('/api/v1/llms/admin-local/infer', { token: tokens.bob, json: chat() });
      expect(answered.status).toBe(200);
      expect(await answerOf(answered)).toBe(ANSWER);
    },
  ],
  [
    "a member moving its own LLM to loopback, and an admin moving a member's: 400, the row unchanged",
    async () => {
      // Control: a member's LLM on a non-loopback address is created, and answers when that address serves.
      const url = lanUpstream ? lanUpstream.openaiBaseUrl : 'http://203.0.113.7:8000/v1';
      expect((await api('/api/v1/llms', { token: tokens.carol, json: gpt('carol-gpt', url) })).status).toBe(201);
      if (lanUpstream) {
        const answered = await api('/api/v1/llms/carol-gpt/infer', { token: tokens.carol, json: chat() });
        expect(answered.status).toBe(200);
        expect(await answerOf(answered)).toBe(ANSWER);
      }
      const before = await row('carol-gpt');
      const own = await api('/api/v1/llms/carol-gpt', { method: 'PUT', token: tokens.carol, json: { url: upstream.openaiBaseUrl } });
      expect(own.status).toBe(400);
      expect(await errorOf(own)).toContain('is a loopback address; only admins may point an LLM at');
      const byAdmin = await api('/api/v1/llms/carol-gpt', { method: 'PUT', json: { url: 'http://169.254.169.254/' } });
      expect(byAdmin.status).toBe(400);
      expect(await errorOf(byAdmin)).toBe(
        "the LLM belongs to carol, who is not an admin: the URL's host 169.254.169.254 is an instance-metadata address; only admins may point an LLM at loopback, link-local or instance-metadata addresses",
      );
      expect(await row('carol-gpt')).toEqual(before);
    },
  ],
  [
    "a loopback LLM whose owner is no longer an admin: refused at request time (502), and the upstream hears nothing",
    async () => {
      await grant('bob-was-admin', 'bob', { role: 'admin' });
      expect((await api('/api/v1/llms', { token: tokens.bob, json: gpt('bob-local', upstream.openaiBaseUrl) })).status).toBe(201);
      const whileAdmin = await api('/api/v1/llms/bob-local/infer', { token: tokens.bob, json: chat() });
      expect(whileAdmin.status).toBe(200);
      expect((await api('/api/v1/rolebindings/bob-was-admin', { method: 'DELETE' })).status).toBe(204);
      const seen = upstream.requests.length;
      for (const caller of [tokens.bob, mcpd.adminToken]) {
        const refused = await api('/api/v1/llms/bob-local/infer', { token: caller, json: chat() });
        expect(refused.status).toBe(502);
        expect(await errorOf(refused)).toBe(
          `cannot reach the upstream of bob-local: the URL's host 127.0.0.1 is a loopback address; only admins may point an LLM at loopback, link-local or instance-metadata addresses`,
        );
      }
      expect(upstream.requests.length).toBe(seen);
    },
  ],
  [
    'no token, API key or scrape token appears in any log line of mcpd',
    async () => {
      await mcpd.stop();
      const log = mcpd.output();
      expect(log).toContain('mcpd listening');
      const leaks = [...secrets].filter(([, secret]) => log.includes(secret)).map(([what]) => what);
      expect(secrets.size).toBeGreaterThanOrEqual(7);
      expect(leaks).toEqual([]);
    },
  ],
];

describe(`abuse suite, upstreams and metrics (${cases.length} cases)`, () => {
  for (const [title, run] of cases) it(title, run, 60_000);
});
