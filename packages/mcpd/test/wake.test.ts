import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

describe('wake on demand', () => {
  let mcpd: TestServer;
  let alice: string;
  let sessionId: string;
  let publisher: ProviderStream;
  let answered: Set<string>;
  let stopAnswering = false;

  beforeEach(async () => {
    mcpd = await startTestServer({
      database: await embedded!.open(),
      cacheMs: 0,
      env: { MCPD_WAKE_NOTICE_SECONDS: '0.1', MCPD_WAKE_MARGIN_SECONDS: '0.2' },
    });
    alice = await addUser(mcpd.server.services.database.db, 'alice');
    const registered = await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providers: [{ name: 'sleepy', type: 'openai', model: 'm', initialStatus: 'hibernating', wakeRecipe: { kind: 'http', maxWaitSeconds: 0.5 } }] },
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

  /** Plays the workstation: answers every infer task the moment it arrives. */
  const answerInferTasks = async () => {
    while (!stopAnswering) {
      for (const task of publisher.tasks()) {
        if (task.kind !== 'infer' || answered.has(task.taskId as string)) continue;
        answered.add(task.taskId as string);
        void post(task.taskId as string, { status: 200, body: completion });
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  it('wakes a hibernating LLM once for 100 concurrent requests and answers them all', async () => {
    expect((await view()).status).toBe('hibernating');
    const responses = Promise.all(Array.from({ length: 100 }, () => infer()));
    await publisher.waitFor(() => wakeTasks().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(wakeTasks()).toHaveLength(1);
    expect(publisher.tasks().filter((task) => task.kind === 'infer')).toHaveLength(0);
    void answerInferTasks();
    expect((await post(wakeTasks()[0]!.taskId as string, { status: 200, body: { ok: true, ms: 120 } })).status).toBe(200);
    const statuses = (await responses).map((response) => response.status);
    expect(statuses).toEqual(Array(100).fill(200));
    expect(wakeTasks()).toHaveLength(1);
    expect(await view()).toMatchObject({ status: 'active', wakeRecipe: 'http', lastWakeMs: expect.any(Number), lastWakeAt: expect.any(String) });
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
  });

  it('gives up on a wake after the published maxWaitSeconds plus the margin', async () => {
    const started = Date.now();
    const response = await infer();
    expect(response.status).toBe(503);
    expect((await response.json()).error).toMatch(/waking sleepy failed: no answer within/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(publisher.tasks().filter((task) => task.kind === 'cancel')).toHaveLength(1);
  });

  it('tells a streaming caller it is waking, then streams the answer', async () => {
    const response = await infer({ stream: true });
    await publisher.waitFor(() => wakeTasks().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    void answerInferTasksStreaming();
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

  it('answers 503 at once for an offline LLM, unless the caller asked to wait and it comes back', async () => {
    await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providerSessionId: sessionId, providers: [{ name: 'sleepy', type: 'openai', model: 'm' }] },
    });
    publisher.close();
    await waitFor(async () => (await view()).status === 'inactive');
    expect((await infer()).status).toBe(503);

    const waiting = infer({}, { headers: { 'x-mcpctl-wait-seconds': '5' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    publisher = await ProviderStream.open(mcpd.url, alice, sessionId);
    void answerInferTasks();
    const response = await waiting;
    expect(response.status).toBe(200);
  });

  async function answerInferTasksStreaming(): Promise<void> {
    while (!stopAnswering) {
      for (const task of publisher.tasks()) {
        if (task.kind !== 'infer' || answered.has(task.taskId as string)) continue;
        answered.add(task.taskId as string);
        const chunk = (delta: Record<string, unknown>, finish: string | null) =>
          JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'sleepy', choices: [{ index: 0, delta, finish_reason: finish }] });
        await post(task.taskId as string, { chunk: { data: chunk({ content: 'woken' }, null) } });
        await post(task.taskId as string, { chunk: { data: chunk({}, 'stop') } });
        await post(task.taskId as string, { chunk: { data: '[DONE]', done: true } });
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
