import { ManualClock } from '@mcpctl/clock/manual';
import pino from 'pino';
import { errorBodySchema } from '@mcpctl/protocol';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

const [embedded] = testDatabaseVariants();

const completion = {
  id: 'chatcmpl-woken',
  object: 'chat.completion',
  created: 1,
  model: 'sleepy',
  choices: [{ index: 0, message: { role: 'assistant', content: 'awake now' }, finish_reason: 'stop' }],
};

/** What the publisher says its wake may take, and the margin mcpd adds before it gives up. */
const WAKE_MAX_WAIT_SECONDS = 30;
const WAKE_MARGIN_SECONDS = 15;
const WAKE_NOTICE_SECONDS = 3;

describe('wake on demand', () => {
  let mcpd: TestServer;
  let clock: ManualClock;
  let alice: string;
  let sessionId: string;
  let publisher: ProviderStream;
  let answered: Set<string>;
  let stopAnswering = false;
  let warnings: Array<Record<string, unknown>>;

  beforeEach(async () => {
    clock = new ManualClock();
    warnings = [];
    mcpd = await startTestServer({
      database: await embedded!.open(),
      clock,
      cacheMs: 0,
      logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) }),
      env: { MCPD_WAKE_NOTICE_SECONDS: String(WAKE_NOTICE_SECONDS), MCPD_WAKE_MARGIN_SECONDS: String(WAKE_MARGIN_SECONDS) },
    });
    alice = await addUser(mcpd.server.services.database.db, 'alice');
    const registered = await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providers: [{ name: 'sleepy', type: 'openai', model: 'm', initialStatus: 'hibernating', wakeRecipe: { kind: 'http', maxWaitSeconds: WAKE_MAX_WAIT_SECONDS } }] },
    });
    expect(registered.status).toBe(201);
    sessionId = ((await registered.json()) as { providerSessionId: string }).providerSessionId;
    publisher = await ProviderStream.open(mcpd.url, alice, sessionId);
    await publisher.waitFor((stream) => stream.events.length > 0);
    answered = new Set();
    stopAnswering = false;
  });

  afterEach(async () => {
    stopAnswering = true;
    publisher.close();
    expect(mcpd.server.services.tasks.size).toBe(0);
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  const post = (taskId: string, body: unknown) => mcpd.api(`/api/v1/llms/_provider-task/${taskId}/result`, { token: alice, json: body });
  const wakeTasks = () => publisher.tasks().filter((task) => task.kind === 'wake');
  const view = async () => (await (await mcpd.api('/api/v1/llms/sleepy', { token: alice })).json()) as Record<string, unknown>;
  const infer = (body: Record<string, unknown> = {}, init: RequestInit = {}) =>
    mcpd.api('/api/v1/llms/sleepy/infer', { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }], ...body }, ...init });

  const unansweredInferTasks = () => publisher.tasks().filter((task) => task.kind === 'infer' && !answered.has(task.taskId as string));
  /** Plays the workstation: answers every infer task the moment it arrives, until its stream ends. */
  const answerInferTasks = async (answer: (taskId: string) => Promise<unknown> = (taskId) => post(taskId, { status: 200, body: completion })) => {
    const stream = publisher;
    while (!stopAnswering) {
      await stream.waitFor((open) => open.closed || unansweredInferTasks().length > 0);
      if (stream.closed) return;
      for (const task of unansweredInferTasks()) {
        answered.add(task.taskId as string);
        void answer(task.taskId as string);
      }
    }
  };
  /** Every request is in the queue once each has armed its deadline (and the wake its own). */
  const queuedBehindTheWake = (requests: number, timersBefore: number) => eventually(() => clock.pendingTimers === timersBefore + requests + 1);

  it('wakes a hibernating LLM once for 100 concurrent requests and answers them all', async () => {
    expect((await view()).status).toBe('hibernating');
    const timersBefore = clock.pendingTimers;
    const responses = Promise.all(Array.from({ length: 100 }, () => infer()));
    await publisher.waitFor(() => wakeTasks().length === 1);
    await queuedBehindTheWake(100, timersBefore);
    expect(mcpd.server.services.tasks.size).toBe(1);
    expect(wakeTasks()).toHaveLength(1);
    expect(publisher.tasks().filter((task) => task.kind === 'infer')).toHaveLength(0);
    void answerInferTasks();
    expect((await post(wakeTasks()[0]!.taskId as string, { status: 200, body: { ok: true, ms: 120 } })).status).toBe(200);
    const statuses = (await responses).map((response) => response.status);
    expect(statuses).toEqual(Array(100).fill(200));
    expect(wakeTasks()).toHaveLength(1);
    expect(await view()).toMatchObject({ status: 'active', wakeRecipe: 'http', lastWakeMs: expect.any(Number), lastWakeAt: expect.any(String) });
  });

  it("names the LLM once when the publisher's wake error starts with its name", async () => {
    const response = infer();
    await publisher.waitFor(() => wakeTasks().length === 1);
    await post(wakeTasks()[0]!.taskId as string, { error: 'sleepy: the wake request POST (local address) failed: fetch failed (connect ECONNREFUSED (local address))' });
    expect(await (await response).json()).toEqual({
      error: 'waking sleepy failed: the wake request POST (local address) failed: fetch failed (connect ECONNREFUSED (local address))',
    });
  });

  it('answers every waiting caller 503 with Retry-After when the wake fails, and leaves the row hibernating', async () => {
    const responses = Promise.all(Array.from({ length: 5 }, () => infer()));
    await publisher.waitFor(() => wakeTasks().length === 1);
    await post(wakeTasks()[0]!.taskId as string, { error: 'vllm would not start' });
    for (const response of await responses) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBeTruthy();
      expect(await response.json()).toEqual({ error: 'waking sleepy failed: vllm would not start' });
    }
    expect((await view()).status).toBe('hibernating');
    // The operator's log says it too, as for a failed answer: once, the other four in the quiet period.
    expect(warnings.filter((line) => line.msg === 'inference failed upstream')).toEqual([
      expect.objectContaining({ llm: 'sleepy', status: 503, error: 'waking sleepy failed: vllm would not start' }),
    ]);
  });

  it("passes on the publisher's own Retry-After when its wake fails with one", async () => {
    const responding = infer();
    await publisher.waitFor(() => wakeTasks().length === 1);
    await post(wakeTasks()[0]!.taskId as string, { error: "sleepy's model server keeps crashing (3 times within a minute); mcplocal starts it again in 17 s", retryAfterSeconds: 17 });
    const response = await responding;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('17');
    expect((await view()).status).toBe('hibernating');
  });

  it('gives up on a wake after the published maxWaitSeconds plus the margin', async () => {
    const responding = infer();
    await publisher.waitFor(() => wakeTasks().length === 1);
    clock.advance((WAKE_MAX_WAIT_SECONDS + WAKE_MARGIN_SECONDS) * 1000 - 1);
    expect(mcpd.server.services.tasks.size).toBe(1);
    clock.advance(1);
    expect(mcpd.server.services.tasks.size).toBe(0);
    const response = await responding;
    expect(response.status).toBe(503);
    expect(errorBodySchema.parse(await response.json()).error).toBe(`waking sleepy failed: no answer within ${WAKE_MAX_WAIT_SECONDS + WAKE_MARGIN_SECONDS} s`);
    await publisher.waitFor(() => publisher.tasks().some((task) => task.kind === 'cancel'));
    expect(publisher.tasks().filter((task) => task.kind === 'cancel')).toHaveLength(1);
  });

  it('tells a streaming caller it is waking, then streams the answer', async () => {
    const responding = infer({ stream: true });
    await publisher.waitFor(() => wakeTasks().length === 1);
    // The first notice sends the headers: only then does the caller see a response.
    clock.advance(WAKE_NOTICE_SECONDS * 1000);
    const response = await responding;
    void answerInferTasks(answerStreaming);
    await post(wakeTasks()[0]!.taskId as string, { status: 200, body: { ok: true, ms: 300 } });
    const text = await response.text();
    expect(text).toMatch(/^: waking sleepy \ds\n\n/);
    expect(text).toContain('"content":"woken"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('keeps the wake going for others when one waiting caller leaves', async () => {
    const controller = new AbortController();
    const leaving = infer({}, { signal: controller.signal }).catch(() => 'left');
    const staying = infer();
    await publisher.waitFor(() => wakeTasks().length === 1);
    controller.abort();
    expect(await leaving).toBe('left');
    void answerInferTasks();
    await post(wakeTasks()[0]!.taskId as string, { status: 200, body: { ok: true, ms: 1 } });
    expect((await staying).status).toBe(200);
    expect(publisher.tasks().filter((task) => task.kind === 'cancel')).toHaveLength(0);
  });

  it('flips a row reported asleep by the heartbeat back to hibernating', async () => {
    void answerInferTasks();
    const first = infer();
    await publisher.waitFor(() => wakeTasks().length === 1);
    await post(wakeTasks()[0]!.taskId as string, { status: 200, body: { ok: true, ms: 1 } });
    expect((await first).status).toBe(200);
    expect((await view()).status).toBe('active');
    await mcpd.api('/api/v1/llms/_provider-heartbeat', { token: alice, json: { providerSessionId: sessionId, hibernating: ['sleepy'] } });
    expect((await view()).status).toBe('hibernating');
  });

  it('flips a hibernating row the heartbeat reports awake back to active, without a wake and without counting one', async () => {
    expect((await view()).status).toBe('hibernating');
    await mcpd.api('/api/v1/llms/_provider-heartbeat', { token: alice, json: { providerSessionId: sessionId, awake: ['sleepy', 'not-mine'] } });
    expect(await view()).toMatchObject({ status: 'active', lastWakeAt: null });
    void answerInferTasks();
    expect((await infer()).status).toBe(200);
    expect(wakeTasks()).toHaveLength(0);
  });

  it('answers 503 at once for an offline LLM, unless the caller asked to wait and it comes back', async () => {
    await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providerSessionId: sessionId, providers: [{ name: 'sleepy', type: 'openai', model: 'm' }] },
    });
    publisher.close();
    await eventually(async () => (await view()).status === 'inactive');
    expect((await infer()).status).toBe(503);

    const timersBefore = clock.pendingTimers;
    const waiting = infer({}, { headers: { 'x-mcpctl-wait-seconds': '5' } });
    // Held in the queue once it armed its 5 s deadline; the publisher comes back only then.
    await eventually(() => clock.pendingTimers === timersBefore + 1);
    publisher = await ProviderStream.open(mcpd.url, alice, sessionId);
    void answerInferTasks();
    const response = await waiting;
    expect(response.status).toBe(200);
  });

  it('wakes for a request that waited for an offline LLM when its publisher comes back asleep', async () => {
    publisher.close();
    await eventually(async () => (await view()).status === 'inactive');
    const timersBefore = clock.pendingTimers;
    const waiting = infer({}, { headers: { 'x-mcpctl-wait-seconds': '5' } });
    await eventually(() => clock.pendingTimers === timersBefore + 1);
    // Back asleep, as mcplocal registers a managed server it has not started.
    await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providerSessionId: sessionId, providers: [{ name: 'sleepy', type: 'openai', model: 'm', initialStatus: 'hibernating', wakeRecipe: { kind: 'http', maxWaitSeconds: WAKE_MAX_WAIT_SECONDS } }] },
    });
    publisher = await ProviderStream.open(mcpd.url, alice, sessionId);
    await publisher.waitFor(() => wakeTasks().length === 1);
    // The wait now covers the wake, past the 5 s the caller asked for.
    clock.advance(6_000);
    void answerInferTasks();
    await post(wakeTasks()[0]!.taskId as string, { status: 200, body: { ok: true, ms: 6_000 } });
    expect((await waiting).status).toBe(200);
  });

  it('stops telling a waiting caller about the wake once it is over, while it waits for a slot', async () => {
    await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: {
        providerSessionId: sessionId,
        providers: [{ name: 'sleepy', type: 'openai', model: 'm', initialStatus: 'hibernating', maxConcurrent: 1, wakeRecipe: { kind: 'http', maxWaitSeconds: WAKE_MAX_WAIT_SECONDS } }],
      },
    });
    const first = infer({ stream: true });
    await publisher.waitFor(() => wakeTasks().length === 1);
    const timersBefore = clock.pendingTimers;
    const second = infer({ stream: true });
    // Queued once it armed its keepalive, its deadline and its waking notices.
    await eventually(() => clock.pendingTimers === timersBefore + 3);
    clock.advance(WAKE_NOTICE_SECONDS * 1000);
    await post(wakeTasks()[0]!.taskId as string, { status: 200, body: { ok: true, ms: 3_000 } });
    // The first takes the one slot; the second waits for it, no longer for a wake.
    await publisher.waitFor(() => unansweredInferTasks().length === 1);
    const secondResponse = await second;
    clock.advance(WAKE_NOTICE_SECONDS * 1000 * 3);
    void answerInferTasks(answerStreaming);
    await (await first).text();
    const text = await secondResponse.text();
    expect(text.match(/: waking sleepy/g)).toHaveLength(1);
    expect(text).toContain(': x-mcpctl-served-by: sleepy\n\n');
    expect(text).toContain('"content":"woken"');
  });

  it("wakes another sleeping member of a pool when one member's wake fails, instead of failing the request", async () => {
    const member = (name: string) => ({ name, type: 'openai', model: 'm', poolName: 'naps', initialStatus: 'hibernating', wakeRecipe: { kind: 'http', maxWaitSeconds: WAKE_MAX_WAIT_SECONDS } });
    await mcpd.api('/api/v1/llms/_provider-register', { token: alice, json: { providerSessionId: sessionId, providers: [member('sleepy'), member('dozy')] } });
    const pooled = (): Promise<Response> => mcpd.api('/api/v1/llms/naps/infer', { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }] } });
    const waking = pooled();
    await publisher.waitFor(() => wakeTasks().length === 1);
    const [failing] = wakeTasks() as Array<{ taskId: string; llmName: string }>;
    await post(failing!.taskId, { error: 'something else already listens on its port' });
    // The pool's other member is woken for the same request instead of a 503.
    await publisher.waitFor(() => wakeTasks().length === 2);
    const [, next] = wakeTasks() as Array<{ taskId: string; llmName: string }>;
    expect(next!.llmName).not.toBe(failing!.llmName);
    void answerInferTasks();
    await post(next!.taskId, { status: 200, body: { ok: true, ms: 10 } });
    const response = await waking;
    expect(response.status).toBe(200);
    expect(response.headers.get('x-mcpctl-served-by')).toBe(next!.llmName);
  });

  it('names every member whose wake failed when none of a pool could be woken, under the last one\'s status', async () => {
    const member = (name: string) => ({ name, type: 'openai', model: 'm', poolName: 'naps', initialStatus: 'hibernating', wakeRecipe: { kind: 'http', maxWaitSeconds: WAKE_MAX_WAIT_SECONDS } });
    await mcpd.api('/api/v1/llms/_provider-register', { token: alice, json: { providerSessionId: sessionId, providers: [member('sleepy'), member('dozy')] } });
    const waking = mcpd.api('/api/v1/llms/naps/infer', { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }] } });
    await publisher.waitFor(() => wakeTasks().length === 1);
    const [first] = wakeTasks() as Array<{ taskId: string; llmName: string }>;
    await post(first!.taskId, { error: 'something else already listens on its port' });
    await publisher.waitFor(() => wakeTasks().length === 2);
    const [, second] = wakeTasks() as Array<{ taskId: string; llmName: string }>;
    await post(second!.taskId, { error: 'its model server exited while starting (exit code 1)', retryAfterSeconds: 30 });
    const response = await waking;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(errorBodySchema.parse(await response.json()).error).toBe(
      `no member of pool naps could be woken: waking ${first!.llmName} failed: something else already listens on its port; then waking ${second!.llmName} failed: its model server exited while starting (exit code 1)`,
    );
  });

  async function answerStreaming(taskId: string): Promise<void> {
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'sleepy', choices: [{ index: 0, delta, finish_reason: finish }] });
    await post(taskId, { chunk: { data: chunk({ content: 'woken' }, null) } });
    await post(taskId, { chunk: { data: chunk({}, 'stop') } });
    await post(taskId, { chunk: { data: '[DONE]', done: true } });
  }
});
