import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@mcpctl/clock/manual';
import { eventually } from './support/eventually.js';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

const [embedded] = testDatabaseVariants();

const chunk = (content: string) =>
  JSON.stringify({ id: 'chatcmpl-dead', object: 'chat.completion.chunk', created: 1, model: 'local', choices: [{ index: 0, delta: { content }, finish_reason: null }] });
const completion = {
  id: 'chatcmpl-dead',
  object: 'chat.completion',
  created: 1,
  model: 'local',
  choices: [{ index: 0, message: { role: 'assistant', content: 'answer' }, finish_reason: 'stop' }],
};

/* SPEC §12 §3: when a session goes inactive its callers are released at once, never left to time out. */
describe('dead sessions release their callers at once', () => {
  let mcpd: TestServer;
  let clock: ManualClock;
  let alice: string;
  let sessionId: string;
  let publisher: ProviderStream;
  const streams: ProviderStream[] = [];

  beforeEach(async () => {
    clock = new ManualClock();
    // Timeouts on the manual clock, beyond the 91 s it is moved: only the release itself can answer.
    mcpd = await startTestServer({ database: await embedded!.open(), clock, cacheMs: 0, env: { MCPD_RELAY_TIMEOUT_SECONDS: '300', MCPD_QUEUE_MAX_WAIT_SECONDS: '300' } });
    alice = await addUser(mcpd.server.services.database.db, 'alice');
    const registered = await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providers: [{ name: 'local', type: 'openai', model: 'qwen3', maxConcurrent: 2 }] },
    });
    sessionId = ((await registered.json()) as { providerSessionId: string }).providerSessionId;
    publisher = await open();
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    expect(mcpd.server.services.tasks.size).toBe(0);
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  const open = async () => {
    const stream = await ProviderStream.open(mcpd.url, alice, sessionId);
    streams.push(stream);
    await stream.waitFor((s) => s.events.length > 0);
    return stream;
  };
  const infer = (body: Record<string, unknown> = {}) =>
    mcpd.api('/api/v1/llms/local/infer', { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }], ...body } });
  const post = (taskId: string, body: unknown) => mcpd.api(`/api/v1/llms/_provider-task/${taskId}/result`, { token: alice, json: body });
  const inferTasks = (stream: ProviderStream) => stream.tasks().filter((task) => task.kind === 'infer') as Array<{ taskId: string }>;
  const waitQueued = (count: number) => eventually(() => mcpd.server.services.inference.inFlight >= count);
  /** A started stream (first chunk relayed), a task without a result yet, and a queued request. */
  const loadSession = async () => {
    const streaming = infer({ stream: true });
    await publisher.waitFor((s) => inferTasks(s).length === 1);
    await post(inferTasks(publisher)[0]!.taskId, { chunk: { data: chunk('partial') } });
    const streamed = await streaming;
    expect(streamed.status).toBe(200);
    const waiting = infer();
    await publisher.waitFor((s) => inferTasks(s).length === 2);
    const queuedRequest = infer();
    await waitQueued(3);
    return { streamed, waiting, queuedRequest };
  };
  const expectReleased = async ({ streamed, waiting, queuedRequest }: Awaited<ReturnType<typeof loadSession>>) => {
    const text = await streamed.text();
    expect(text).toContain('partial');
    expect(text).toMatch(/data: \{"error":\{"message":"the publisher of local disconnected"/);
    expect(text).not.toContain('[DONE]');
    const answered = await waiting;
    expect(answered.status).toBe(503);
    expect(answered.headers.get('retry-after')).toBeTruthy();
    const refused = await queuedRequest;
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: 'the publisher of local is offline' });
    expect(refused.headers.get('retry-after')).toBeTruthy();
  };
  const status = async () => ((await (await mcpd.api('/api/v1/llms/local')).json()) as { status: string }).status;

  it('when GC finds the session silent: its stream ends, tasks fail and queued requests get 503 at once', async () => {
    const load = await loadSession();
    clock.advance(91_000);
    expect(await mcpd.server.services.gc.runOnce()).toMatchObject({ markedInactive: 1, disconnected: 1 });
    await expectReleased(load);
    await publisher.waitFor((s) => s.closed);
    expect(mcpd.server.services.hub.size).toBe(0);
    expect(await status()).toBe('inactive');
  });

  it('leaves a silent session alone until the heartbeat timeout', async () => {
    const answer = infer();
    await publisher.waitFor((s) => inferTasks(s).length === 1);
    clock.advance(89_000);
    expect(await mcpd.server.services.gc.runOnce()).toMatchObject({ markedInactive: 0, disconnected: 0 });
    await post(inferTasks(publisher)[0]!.taskId, { status: 200, body: completion });
    expect((await answer).status).toBe(200);
    expect(publisher.closed).toBe(false);
  });

  it('when its stream closes: tasks fail and queued requests get 503 at once', async () => {
    const load = await loadSession();
    publisher.close();
    await expectReleased(load);
    expect(await status()).toBe('inactive');
  });

  it('moves a task that had not started to another pool member, and keeps queued requests for the pool', async () => {
    const member = async (name: string) => {
      const registered = await mcpd.api('/api/v1/llms/_provider-register', {
        token: alice,
        json: { providers: [{ name, type: 'openai', model: 'qwen3', poolName: 'duo', maxConcurrent: 1 }] },
      });
      const id = ((await registered.json()) as { providerSessionId: string }).providerSessionId;
      const stream = await ProviderStream.open(mcpd.url, alice, id);
      streams.push(stream);
      await stream.waitFor((s) => s.events.length > 0);
      return stream;
    };
    const [one, two] = [await member('duo-one'), await member('duo-two')];
    const ask = () => mcpd.api('/api/v1/llms/duo/infer', { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }] } });
    const first = ask();
    const second = ask();
    await Promise.all([one.waitFor((s) => inferTasks(s).length === 1), two.waitFor((s) => inferTasks(s).length === 1)]);
    const third = ask();
    await waitQueued(3);

    one.close();
    // Its task had not started: the request moves to the other member, behind the one queued there.
    await post(inferTasks(two)[0]!.taskId, { status: 200, body: completion });
    await two.waitFor((s) => inferTasks(s).length === 2);
    await post(inferTasks(two)[1]!.taskId, { status: 200, body: completion });
    await two.waitFor((s) => inferTasks(s).length === 3);
    await post(inferTasks(two)[2]!.taskId, { status: 200, body: completion });
    const answers = await Promise.all([first, second, third]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers.map((answer) => answer.headers.get('x-mcpctl-served-by'))).toEqual(['duo-two', 'duo-two', 'duo-two']);
  });

  it('when a newer stream replaces it: tasks sent on the older stream fail at once, the newer one serves', async () => {
    const waiting = infer();
    await publisher.waitFor((s) => inferTasks(s).length === 1);
    const newer = await open();
    const answered = await waiting;
    expect(answered.status).toBe(503);
    await publisher.waitFor((s) => s.closed);
    expect((await post(inferTasks(publisher)[0]!.taskId, { status: 200, body: completion })).status).toBe(404);

    const next = infer();
    await newer.waitFor((s) => inferTasks(s).length === 1);
    await post(inferTasks(newer)[0]!.taskId, { status: 200, body: completion });
    expect((await next).status).toBe(200);
    expect(await status()).toBe('active');
  });
});
