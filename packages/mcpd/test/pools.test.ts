import { ManualClock } from '@mcpctl/clock/manual';
import { llms } from '@mcpctl/db';
import { errorBodySchema, poolViewSchema } from '@mcpctl/protocol';
import { startFakeUpstream, testDatabaseVariants, type FakeUpstream } from '@mcpctl/test-kit';
import { eq } from 'drizzle-orm';
import pino, { type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { EventReader } from './support/event-reader.js';
import { LIVE_TICK_MS } from '../src/services/live-state.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

const [embedded] = testDatabaseVariants();

describe('pools and the wait queue', () => {
  let mcpd: TestServer;
  const upstreams: FakeUpstream[] = [];

  const start = async (env: Record<string, string> = {}, clock?: ManualClock, logger?: Logger) => {
    mcpd = await startTestServer({ database: await embedded!.open(), cacheMs: 0, env, ...(clock ? { clock } : {}), ...(logger ? { logger } : {}) });
  };
  const pool = async () => (await (await mcpd.api('/api/v1/pools/qwen3')).json()) as { inFlight: number; queued: number; oldestWaitMs: number };

  afterEach(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
    await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
  });

  const member = async (name: string, options: { maxConcurrent?: number; tokensPerSecond?: number; pool?: string; url?: string; visibility?: string; token?: string } = {}) => {
    const upstream = await startFakeUpstream({ tokenCount: 3, tokensPerSecond: options.tokensPerSecond });
    upstreams.push(upstream);
    const created = await mcpd.api('/api/v1/llms', {
      token: options.token,
      json: {
        name,
        type: 'openai',
        model: 'm',
        url: options.url ?? upstream.openaiBaseUrl,
        poolName: options.pool ?? 'qwen3',
        ...(options.maxConcurrent ? { maxConcurrent: options.maxConcurrent } : {}),
        ...(options.visibility ? { visibility: options.visibility } : {}),
      },
    });
    expect(created.status).toBe(201);
    return upstream;
  };

  const infer = (name: string, init: RequestInit & { token?: string } = {}) =>
    mcpd.api(`/api/v1/llms/${name}/infer`, { json: { messages: [{ role: 'user', content: 'Hi' }] }, ...init });

  it('spreads concurrent requests over the members without exceeding maxConcurrent', async () => {
    await start();
    const members = await Promise.all(['alpha', 'beta', 'gamma'].map((name) => member(name, { maxConcurrent: 2, tokensPerSecond: 30 })));
    const responses = await Promise.all(Array.from({ length: 30 }, () => infer('qwen3')));
    expect(responses.map((response) => response.status)).toEqual(Array(30).fill(200));
    const servedBy = responses.map((response) => response.headers.get('x-mcpctl-served-by'));
    for (const name of ['alpha', 'beta', 'gamma']) {
      const share = servedBy.filter((served) => served === name).length;
      expect(share).toBeGreaterThanOrEqual(8);
      expect(share).toBeLessThanOrEqual(12);
    }
    for (const upstream of members) expect(upstream.maxInFlight).toBeLessThanOrEqual(2);
    const [record] = (await (await mcpd.api('/api/v1/audit?llm=qwen3&limit=1')).json()) as Array<{ queueMs: number; servedBy: string }>;
    expect(record!.queueMs).toEqual(expect.any(Number));
  });

  it('hands freed slots to waiting requests in arrival order', async () => {
    await start();
    await member('solo', { maxConcurrent: 1, tokensPerSecond: 40 });
    const finished: number[] = [];
    const requests = [];
    for (let index = 0; index < 5; index += 1) {
      requests.push(infer('qwen3').then(async (response) => {
        expect(response.status).toBe(200);
        finished.push(index);
      }));
      // The next is sent once this one holds the slot or its place in the queue (or is done).
      await eventually(async () => {
        const { inFlight, queued } = await pool();
        return finished.length + inFlight + queued > index;
      });
    }
    await Promise.all(requests);
    expect(finished).toEqual([0, 1, 2, 3, 4]);
  });

  it('shows what an LLM answers and what waits for it by name in its own view, as describe llm prints it', async () => {
    await start();
    // Slow enough (1.5 s an answer) that the first still runs while a loaded machine polls the views.
    await member('solo', { maxConcurrent: 1, tokensPerSecond: 2 });
    const view = async () => (await (await mcpd.api('/api/v1/llms/solo')).json()) as { inFlight: number; queued: number };
    expect(await view()).toMatchObject({ inFlight: 0, queued: 0 });
    const requests = [infer('solo'), infer('solo'), infer('solo')];
    await eventually(async () => {
      const { inFlight, queued } = await view();
      return inFlight === 1 && queued === 2;
    });
    const listed = (await (await mcpd.api('/api/v1/llms')).json()) as Array<{ name: string; inFlight: number; queued: number }>;
    expect(listed.find((llm) => llm.name === 'solo')).toMatchObject({ inFlight: 1, queued: 2 });
    for (const response of await Promise.all(requests)) expect(response.status).toBe(200);
    expect(await view()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('answers 429 with Retry-After when the queue is full', async () => {
    // One caller fills the whole queue here: lift the per-user share (half the queue by default).
    await start({ MCPD_QUEUE_MAX_LENGTH: '2', MCPD_MAX_QUEUED_PER_USER: '2' });
    // Slow enough (1.5 s an answer) that the first still runs while a loaded machine fills the queue.
    await member('solo', { maxConcurrent: 1, tokensPerSecond: 2 });
    const first = infer('qwen3');
    await eventually(async () => (await pool()).inFlight === 1);
    const queued = [infer('qwen3'), infer('qwen3')];
    await eventually(async () => (await pool()).queued === 2);
    expect(await pool()).toMatchObject({ inFlight: 1, queued: 2, oldestWaitMs: expect.any(Number) });
    const refused = await infer('qwen3');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(errorBodySchema.parse(await refused.json()).error).toMatch(/queue for qwen3 is full/);
    expect((await Promise.all([first, ...queued])).map((response) => response.status)).toEqual([200, 200, 200]);
  });

  it('answers 503 with Retry-After when the wait bound passes, and a caller that leaves frees its place', async () => {
    const clock = new ManualClock();
    await start({ MCPD_QUEUE_MAX_WAIT_SECONDS: '60' }, clock);
    // Slow enough (1.5 s) that the first request holds the only slot through the steps below.
    await member('solo', { maxConcurrent: 1, tokensPerSecond: 2 });
    const first = infer('qwen3');
    await eventually(async () => (await pool()).inFlight === 1);
    const controller = new AbortController();
    const leaving = infer('qwen3', { signal: controller.signal }).catch(() => undefined);
    await eventually(async () => (await pool()).queued === 1);
    clock.advance(5_000);
    controller.abort();
    await leaving;
    await eventually(async () => (await pool()).queued === 0);
    const answer = infer('qwen3');
    await eventually(async () => (await pool()).queued === 1);
    clock.advance(60_000 - 1);
    expect((await pool()).queued).toBe(1);
    clock.advance(1);
    const late = await answer;
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBeTruthy();
    expect(await late.json()).toEqual({ error: 'no capacity for qwen3 within 60 s' });
    expect((await first).status).toBe(200);
    // Waits that ended without a slot are in the records and the histogram of time in line too.
    const records = (await (await mcpd.api('/api/v1/audit?llm=qwen3')).json()) as Array<{ status: number; queueMs: number | null }>;
    expect(records.map(({ status, queueMs }) => ({ status, queueMs })).sort((a, b) => a.status - b.status)).toEqual([
      { status: 200, queueMs: 0 },
      { status: 499, queueMs: 5_000 },
      { status: 503, queueMs: 60_000 },
    ]);
    const metrics = await (await mcpd.api('/metrics')).text();
    expect(metrics).toContain('mcpd_inference_queue_seconds_count{llm="qwen3"} 3');
    expect(metrics).toContain('mcpd_inference_queue_seconds_bucket{le="60",llm="qwen3"} 3');
  });

  it('retries once on another member when one fails before its first byte', async () => {
    await start();
    await member('broken', { url: 'http://127.0.0.1:9/v1' });
    await member('healthy');
    const responses = await Promise.all(Array.from({ length: 6 }, () => infer('qwen3')));
    expect(responses.map((response) => response.status)).toEqual(Array(6).fill(200));
    expect(new Set(responses.map((response) => response.headers.get('x-mcpctl-served-by')))).toEqual(new Set(['healthy']));
  });

  it('names the pool and both members when the retry on another member fails too', async () => {
    await start();
    await member('down-a', { url: 'http://127.0.0.1:9/v1' });
    await member('down-b', { url: 'http://127.0.0.1:9/v1' });
    const response = await infer('qwen3');
    expect(response.status).toBe(502);
    const { error } = errorBodySchema.parse(await response.json());
    expect(error).toMatch(/^no member of pool qwen3 could answer: cannot reach the upstream of down-(a|b): .+; then cannot reach the upstream of down-(a|b): /);
    expect(new Set(error.match(/down-[ab]/g))).toEqual(new Set(['down-a', 'down-b']));
  });

  it('says every other member is offline when the retry finds none online, not that the failed one is, and logs the failed one', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
    await start({}, undefined, logger);
    const alice = await addUser(mcpd.server.services.database.db, 'alice', { admin: true });
    await member('broken', { url: 'http://127.0.0.1:9/v1' });
    // A published member whose mcplocal has not opened its control connection: offline.
    const registered = await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providers: [{ name: 'alices', type: 'openai', model: 'm', poolName: 'qwen3' }] },
    });
    expect(registered.status).toBe(201);
    const response = await infer('qwen3', { token: alice });
    expect(response.status).toBe(503);
    const { error } = errorBodySchema.parse(await response.json());
    expect(error).toMatch(/^no member of pool qwen3 could answer: cannot reach the upstream of broken: .+; then every other member of pool qwen3 is offline$/);
    // The upstream that failed is an operator's to hear of, though nothing was retried and the call's own 503 is no upstream's.
    const failures = warnings.filter((line) => line.msg === 'inference failed upstream');
    expect(failures).toEqual([expect.objectContaining({ llm: 'qwen3', servedBy: 'broken', status: 502 })]);
    expect(failures[0]).not.toHaveProperty('retriedOnAnotherMember');
  });

  it("answers a one-member pool's failure as that member's, with no other member to ask, at once, and logs it once, not as retried", async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
    await start({}, undefined, logger);
    await member('lonely', { url: 'http://127.0.0.1:9/v1' });
    const response = await infer('qwen3', { headers: { 'x-mcpctl-wait-seconds': '30' } });
    expect(response.status).toBe(502);
    expect(response.headers.get('retry-after')).toBeNull();
    const { error } = errorBodySchema.parse(await response.json());
    expect(error).toMatch(/^no member of pool qwen3 could answer: cannot reach the upstream of lonely: .+; it has no other member to ask$/);
    const failures = warnings.filter((line) => line.msg === 'inference failed upstream');
    expect(failures).toEqual([expect.objectContaining({ llm: 'qwen3', servedBy: 'lonely', status: 502, error })]);
    expect(failures[0]).not.toHaveProperty('retriedOnAnotherMember');
  });

  it('picks a member that just failed after the others for the cooldown, then tries it again, and logs each retried failure', async () => {
    const clock = new ManualClock();
    const warnings: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
    await start({ MCPD_POOL_MEMBER_COOLDOWN_SECONDS: '30' }, clock, logger);
    const failing = await member('failing');
    failing.setBehavior({ fail: { status: 500, message: 'engine crashed' } });
    const healthy = await member('healthy');
    const served = async (count: number) => {
      const names: Array<string | null> = [];
      for (let index = 0; index < count; index += 1) {
        const response = await infer('qwen3');
        expect(response.status).toBe(200);
        names.push(response.headers.get('x-mcpctl-served-by'));
      }
      return names;
    };
    // Whichever member the round robin draws first, the failing one is drawn within two requests, and asked once.
    expect(await served(6)).toEqual(Array(6).fill('healthy'));
    const asked = failing.requests.filter((request) => request.path.endsWith('/chat/completions')).length;
    expect(asked).toBe(1);
    expect(healthy.requests.length).toBeGreaterThanOrEqual(6);
    // The pool's view names the member held back, and how long it still is.
    const cooling = async () => poolViewSchema.parse(await (await mcpd.api('/api/v1/pools/qwen3')).json()).coolingDown;
    expect(await cooling()).toEqual([{ name: 'failing', msLeft: 30_000 }]);
    clock.advance(10_000);
    expect(await cooling()).toEqual([{ name: 'failing', msLeft: 20_000 }]);
    clock.advance(20_000);
    expect(poolViewSchema.parse(await (await mcpd.api('/api/v1/pools/qwen3')).json()).coolingDown).toEqual([]);
    // Once its cooldown is over it is tried again, and cooled down again.
    expect(await served(4)).toEqual(Array(4).fill('healthy'));
    const askedAfter = failing.requests.filter((request) => request.path.endsWith('/chat/completions')).length;
    expect(askedAfter).toBe(asked + 1);
    expect(warnings).toContainEqual(expect.objectContaining({ msg: 'inference failed upstream', llm: 'qwen3', servedBy: 'failing', status: 502, retriedOnAnotherMember: true }));
  });

  it('picks a member whose stream timed out after the others for the cooldown, without asking another member for the call that waited; a whole answer\'s timeout leaves it in turn', async () => {
    const clock = new ManualClock();
    await start({ MCPD_POOL_MEMBER_COOLDOWN_SECONDS: '30', MCPD_UPSTREAM_TIMEOUT_SECONDS: '0.5' }, clock);
    const hung = await member('hung');
    hung.setBehavior({ mode: 'hang' });
    const healthy = await member('healthy');
    const answers = async (count: number, stream = true) => {
      const answered: Array<string | number | null> = [];
      for (let index = 0; index < count; index += 1) {
        const response = await mcpd.api('/api/v1/llms/qwen3/infer', { json: { messages: [{ role: 'user', content: 'Hi' }], stream } });
        answered.push(response.status === 200 ? response.headers.get('x-mcpctl-served-by') : response.status);
        await response.arrayBuffer();
      }
      return answered;
    };
    const asked = () => hung.requests.filter((request) => request.path.endsWith('/chat/completions')).length;
    // The call the round robin gives the hung member waits out the timeout (504: the request may
    // be running there, so it is not sent again); the calls after it go to the healthy one.
    const first = await answers(6);
    expect(asked()).toBeLessThanOrEqual(1);
    expect(first.filter((answer) => answer === 504)).toHaveLength(asked());
    expect(first.filter((answer) => answer === 'healthy')).toHaveLength(6 - asked());
    expect(healthy.requests.length).toBeGreaterThanOrEqual(5);
    // Its cooldown over, it is tried once more, and cooled down again.
    clock.advance(30_000);
    const before = asked();
    const second = await answers(4);
    expect(asked()).toBe(before + 1);
    expect(second.filter((answer) => answer === 504)).toHaveLength(1);
    // A whole answer's head comes only with its end: its timeout may be a long generation, and
    // the member keeps its turn (the round robin gives it every other call).
    clock.advance(30_000);
    const whole = await answers(4, false);
    expect(whole.filter((answer) => answer === 504)).toHaveLength(2);
    expect(whole.filter((answer) => answer === 'healthy')).toHaveLength(2);
  });

  it("names the member that failed, not the pool, in a failure's error, as x-mcpctl-served-by names the member that answered", async () => {
    await start();
    const broken = await member('out-of-memory');
    broken.setBehavior({ fail: { status: 400, message: 'CUDA out of memory' } });
    const refused = await infer('qwen3');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'the upstream of out-of-memory rejected the request (HTTP 400): CUDA out of memory' });
  });

  it('lets an exact LLM name win over a pool of the same name (rows older than the shared namespace), and lists pools in /v1/models', async () => {
    await start();
    await member('shared', { pool: 'other' });
    await member('one', { pool: 'elsewhere' });
    // The API refuses a pool named like an LLM now; a database from before the rule may still hold one.
    expect((await mcpd.api('/api/v1/llms/one', { method: 'PUT', json: { poolName: 'shared' } })).status).toBe(409);
    await mcpd.server.services.database.db.update(llms).set({ poolName: 'shared' }).where(eq(llms.name, 'one'));
    const response = await infer('shared');
    expect(response.headers.get('x-mcpctl-served-by')).toBe('shared');
    expect(await (await mcpd.api('/api/v1/llms/shared')).json()).toMatchObject({ name: 'shared', kind: 'public', poolName: 'other' });
    expect(await (await mcpd.api('/api/v1/llms/other')).json()).toMatchObject({ name: 'other', members: ['shared'] });
    const models = (await (await mcpd.api('/v1/models')).json()) as { data: Array<{ id: string; owned_by: string; created: number }> };
    expect(models.data.map((model) => model.id).sort()).toEqual(['one', 'other', 'shared']);
    const pool = models.data.find((model) => model.id === 'other');
    expect(pool?.owned_by).toBe('pool');
    // As old as its oldest member.
    expect(pool?.created).toBe(models.data.find((model) => model.id === 'shared')?.created);
    expect(pool?.created).toBeGreaterThan(0);
    expect(await (await mcpd.api('/api/v1/pools')).json()).toEqual([
      { name: 'other', members: ['shared'], active: 1, hibernating: 0, inactive: 0, inFlight: 0, queued: 0, oldestWaitMs: 0, coolingDown: [] },
      { name: 'shared', members: ['one'], active: 1, hibernating: 0, inactive: 0, inFlight: 0, queued: 0, oldestWaitMs: 0, coolingDown: [] },
    ]);
  });

  it('answers GET and HEAD /api/v1/llms/POOL with the pool view, for callers who see a member', async () => {
    await start();
    const { db } = mcpd.server.services.database;
    const alice = await addUser(db, 'alice', { admin: true });
    const bob = await addUser(db, 'bob');
    await member('alpha');
    await member('alices', { visibility: 'private', token: alice });
    await member('hidden', { visibility: 'private', token: alice, pool: 'secret' });

    const forBob = await mcpd.api('/api/v1/llms/qwen3', { token: bob });
    expect(forBob.status).toBe(200);
    expect(await forBob.json()).toEqual({ name: 'qwen3', members: ['alpha'], active: 1, hibernating: 0, inactive: 0, inFlight: 0, queued: 0, oldestWaitMs: 0, coolingDown: [] });
    const probe = await mcpd.api('/api/v1/llms/qwen3', { token: bob, method: 'HEAD' });
    expect(probe.status).toBe(200);
    expect(await probe.text()).toBe('');
    expect(await (await mcpd.api('/api/v1/llms/qwen3', { token: alice })).json()).toMatchObject({ members: ['alices', 'alpha'], active: 2 });

    const hidden = await mcpd.api('/api/v1/llms/secret', { token: bob });
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toEqual({ error: 'LLM not found: secret' });
    expect((await mcpd.api('/api/v1/llms/secret', { token: bob, method: 'HEAD' })).status).toBe(404);
    expect((await mcpd.api('/api/v1/llms/secret', { token: alice, method: 'HEAD' })).status).toBe(200);
    expect((await mcpd.api('/api/v1/llms/nowhere', { method: 'HEAD' })).status).toBe(404);
  });

  it("shows a pool's line only to a caller who sees every member: it holds others' requests for members it cannot see", async () => {
    await start();
    const { db } = mcpd.server.services.database;
    const alice = await addUser(db, 'alice', { admin: true });
    const bob = await addUser(db, 'bob');
    // Answers of 3 s: the line stays while the views and two ticks of the live counters are read.
    await member('alpha', { maxConcurrent: 1, tokensPerSecond: 1 });
    await member('alices', { visibility: 'private', token: alice, maxConcurrent: 1, tokensPerSecond: 1 });
    const events = await EventReader.open(mcpd.url, bob);
    await events.next('pools');
    const answers = Array.from({ length: 4 }, () => infer('qwen3', { token: alice }));
    const poolFor = async (token?: string) => (await (await mcpd.api('/api/v1/pools/qwen3', token === undefined ? {} : { token })).json()) as { queued: number; oldestWaitMs: number; inFlight: number };
    await eventually(async () => (await poolFor(alice)).queued === 2);
    expect(await poolFor(bob)).toMatchObject({ inFlight: 1, queued: 0, oldestWaitMs: 0 });
    expect(((await (await mcpd.api('/api/v1/pools', { token: bob })).json()) as Array<{ queued: number }>).map((view) => view.queued)).toEqual([0]);
    // The dashboard's live counters, laid over the pools every second (LIVE_TICK_MS) and sent when
    // they change, keep it hidden too: a line shown would have gone out within two ticks.
    await events.next('pools', (pools) => pools.some((pool) => pool.inFlight === 1), 0, 3_000);
    await new Promise((resolve) => setTimeout(resolve, 2 * LIVE_TICK_MS));
    expect(events.events.filter((entry) => entry.event === 'pools').flatMap((entry) => (entry.data as Array<{ queued: number }>).map((pool) => pool.queued))).not.toContain(2);
    events.close();
    expect((await Promise.all(answers)).map((response) => response.status)).toEqual([200, 200, 200, 200]);
  });

  it('dispatches only to members the caller may see', async () => {
    await start();
    const { db } = mcpd.server.services.database;
    // Alice may create LLMs (an admin); Bob is a plain member.
    const alice = await addUser(db, 'alice', { admin: true });
    const bob = await addUser(db, 'bob');
    await member('alices', { visibility: 'private', token: alice });
    const forBob = await infer('qwen3', { token: bob });
    expect(forBob.status).toBe(404);
    expect(await forBob.json()).toEqual({ error: 'LLM not found: qwen3' });
    expect(await (await mcpd.api('/api/v1/pools', { token: bob })).json()).toEqual([]);
    expect((await infer('qwen3', { token: alice })).status).toBe(200);
  });
});
