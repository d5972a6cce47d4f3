import { startFakeUpstream, testDatabaseVariants, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../src/inference/caller.js';
import { CallerSignal } from '../src/inference/caller-signal.js';
import { KeepaliveCaller, WAITING_COMMENT } from '../src/inference/keepalive-caller.js';
import { ManualClock } from '@mcpctl/clock/manual';
import { eventually } from './support/eventually.js';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

const [embedded] = testDatabaseVariants();

const chunk = (content: string | null, finish: string | null = null) =>
  JSON.stringify({
    id: 'chatcmpl-slow',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'slow',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  });

/** Reads an SSE body as it comes, so a test can wait for what the caller has seen so far. */
class BodyReader {
  text = '';
  ended = false;
  #waiters: Array<() => void> = [];

  constructor(readonly response: Response) {
    void this.#read();
  }

  /** Resolves once what the caller has seen satisfies `predicate`, looking again at every piece that comes. */
  async until(predicate: (text: string) => boolean): Promise<void> {
    while (!predicate(this.text)) {
      if (this.ended) throw new Error(`the caller did not see what was expected; it saw ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async end(): Promise<string> {
    await this.until(() => this.ended);
    return this.text;
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const bytes of this.response.body as ReadableStream<Uint8Array>) {
      this.text += decoder.decode(bytes, { stream: true });
      for (const wake of this.#waiters.splice(0)) wake();
    }
    this.ended = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

const comments = (text: string) => text.split('\n\n').filter((frame) => frame === ': waiting').length;

describe('a streaming caller waiting for its first token hears a comment every 15 s', () => {
  let mcpd: TestServer;
  let clock: ManualClock;
  let alice: string;
  let publisher: ProviderStream;

  beforeEach(async () => {
    clock = new ManualClock(Date.now());
    mcpd = await startTestServer({
      database: await embedded!.open(),
      cacheMs: 0,
      clock,
      // Neither a wake notice nor a relay timeout may fire within the minutes a test moves the clock.
      env: { MCPD_RELAY_TIMEOUT_SECONDS: '120', MCPD_WAKE_NOTICE_SECONDS: '600' },
    });
    alice = await addUser(mcpd.server.services.database.db, 'alice');
    const registered = await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: {
        providers: [
          { name: 'slow', type: 'openai', model: 'big', maxConcurrent: 1 },
          { name: 'sleepy', type: 'openai', model: 'big', initialStatus: 'hibernating', wakeRecipe: { kind: 'http', maxWaitSeconds: 60 } },
        ],
      },
    });
    expect(registered.status).toBe(201);
    const { providerSessionId } = (await registered.json()) as { providerSessionId: string };
    publisher = await ProviderStream.open(mcpd.url, alice, providerSessionId);
    await publisher.waitFor((stream) => stream.events.length > 0);
  });

  afterEach(async () => {
    publisher.close();
    expect(mcpd.server.services.tasks.size).toBe(0);
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  const post = (taskId: string, body: unknown) => mcpd.api(`/api/v1/llms/_provider-task/${taskId}/result`, { token: alice, json: body });
  const infer = (name: string, body: Record<string, unknown> = {}) =>
    mcpd.api(`/api/v1/llms/${name}/infer`, { token: alice, json: { messages: [{ role: 'user', content: 'Hi' }], stream: true, ...body } });
  const tasksOf = (kind: string) => publisher.tasks().filter((task) => task.kind === kind) as Array<{ taskId: string; llmName: string }>;
  const nextTask = async (kind: string, count = 1) => {
    await publisher.waitFor(() => tasksOf(kind).length >= count);
    return tasksOf(kind)[count - 1]!;
  };
  const finish = async (taskId: string) => {
    await post(taskId, { chunk: { data: chunk(null, 'stop') } });
    await post(taskId, { chunk: { data: '[DONE]', done: true } });
  };

  it('relayed: a comment at 15 s and every 15 s after, none once the first chunk came', async () => {
    const answer = infer('slow');
    const task = await nextTask('infer');
    // Not a moment before 15 s: the KeepaliveCaller tests below hold the exact interval.
    clock.advance(15_000);
    const reader = new BodyReader(await answer);
    expect(reader.response.status).toBe(200);
    expect(reader.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await reader.until((text) => comments(text) === 1);
    clock.advance(15_000);
    await reader.until((text) => comments(text) === 2);
    await post(task.taskId, { chunk: { data: chunk('first') } });
    await reader.until((text) => text.includes('first'));
    clock.advance(60_000);
    await finish(task.taskId);
    // The head went out with the first comment: the member that answers is named in a comment.
    expect(await reader.end()).toBe(`: waiting\n\n: waiting\n\n: x-mcpctl-served-by: slow\n\ndata: ${chunk('first')}\n\ndata: ${chunk(null, 'stop')}\n\ndata: [DONE]\n\n`);
  });

  it('relayed: a failure after the comments started ends the stream with an error frame, audited as 502', async () => {
    const answer = infer('slow');
    const task = await nextTask('infer');
    clock.advance(15_000);
    const reader = new BodyReader(await answer);
    await post(task.taskId, { error: 'the model server crashed' });
    expect(await reader.end()).toBe(
      // The status it would have answered, for a client (mcplocal's failover) that tells a failure from a refusal.
      ': waiting\n\ndata: {"error":{"message":"the publisher of slow failed: the model server crashed","type":"upstream_error","status":502}}\n\n',
    );
    expect(reader.response.status).toBe(200);
    await mcpd.server.services.auditWriter.flush();
    const [record] = (await (await mcpd.api('/api/v1/audit?llm=slow')).json()) as Array<Record<string, unknown>>;
    expect(record).toMatchObject({ status: 502, error: 'the publisher of slow failed: the model server crashed' });
  });

  it('queued: a caller waiting for a slot hears the comments too', async () => {
    const first = infer('slow');
    const firstTask = await nextTask('infer');
    const timersBefore = clock.pendingTimers;
    const queued = infer('slow');
    // In the queue: it armed its keepalive and the deadline of its wait.
    await eventually(() => clock.pendingTimers === timersBefore + 2);
    expect(tasksOf('infer')).toHaveLength(1);
    clock.advance(15_000);
    const [firstReader, queuedReader] = [new BodyReader(await first), new BodyReader(await queued)];
    await queuedReader.until((text) => text === WAITING_COMMENT);
    await post(firstTask.taskId, { chunk: { data: chunk('one') } });
    await finish(firstTask.taskId);
    await firstReader.end();
    const secondTask = await nextTask('infer', 2);
    await post(secondTask.taskId, { chunk: { data: chunk('two') } });
    await finish(secondTask.taskId);
    expect(await queuedReader.end()).toBe(`: waiting\n\n: x-mcpctl-served-by: slow\n\ndata: ${chunk('two')}\n\ndata: ${chunk(null, 'stop')}\n\ndata: [DONE]\n\n`);
  });

  it('waking: a caller held for a wake hears the comments until its answer starts', async () => {
    const answer = infer('sleepy');
    const wake = await nextTask('wake');
    clock.advance(15_000);
    const reader = new BodyReader(await answer);
    await reader.until((text) => text === WAITING_COMMENT);
    await post(wake.taskId, { status: 200, body: { ok: true, ms: 15_000 } });
    const task = await nextTask('infer');
    clock.advance(15_000);
    await reader.until((text) => comments(text) === 2);
    await post(task.taskId, { chunk: { data: chunk('awake') } });
    await finish(task.taskId);
    expect(await reader.end()).toBe(`: waiting\n\n: waiting\n\n: x-mcpctl-served-by: sleepy\n\ndata: ${chunk('awake')}\n\ndata: ${chunk(null, 'stop')}\n\ndata: [DONE]\n\n`);
  });

  it('does not touch a non-streaming answer', async () => {
    const answer = infer('slow', { stream: false });
    const task = await nextTask('infer');
    clock.advance(60_000);
    const completion = {
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'slow',
      choices: [{ index: 0, message: { role: 'assistant', content: 'whole' }, finish_reason: 'stop' }],
    };
    await post(task.taskId, { status: 200, body: completion });
    const response = await answer;
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(completion);
  });

  describe('public upstream', () => {
    let upstream: FakeUpstream;

    beforeEach(async () => {
      upstream = await startFakeUpstream({ tokens: ['late', ' answer'], latencyMs: 1500 });
      const created = await mcpd.api('/api/v1/llms', { json: { name: 'remote', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
      expect(created.status).toBe(201);
    });

    afterEach(async () => {
      await upstream.close();
    });

    it('hears a comment while the upstream has not sent its first byte', async () => {
      const answer = mcpd.api('/api/v1/llms/remote/infer', { json: { messages: [{ role: 'user', content: 'Hi' }], stream: true } });
      await upstream.waitForRequests(1);
      clock.advance(15_000);
      const reader = new BodyReader(await answer);
      const text = await reader.end();
      expect(text.startsWith(WAITING_COMMENT)).toBe(true);
      expect(comments(text)).toBe(1);
      expect(text).toContain('"content":"late"');
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    });
  });
});

describe('KeepaliveCaller', () => {
  /** A caller that keeps what it was sent, as the HTTP reply would carry it. */
  const recordingCaller = () => {
    const written: string[] = [];
    let open = false;
    const signal = new CallerSignal();
    const caller: Caller = {
      signal,
      abort: () => signal.abort(),
      get streaming() {
        return open;
      },
      sendJson: (json) => written.push(json),
      openStream: () => {
        open = true;
        return { write: (text) => written.push(typeof text === 'string' ? text : new TextDecoder().decode(text)), end: () => written.push('<end>'), full: false, onDrain: (listener) => listener() };
      },
    };
    return { caller, written };
  };

  it('writes its first comment at the interval, not a moment before, and every interval after', () => {
    const clock = new ManualClock();
    const { caller, written } = recordingCaller();
    const keepalive = new KeepaliveCaller(caller, clock, 15_000);
    clock.advance(14_999);
    expect(written).toEqual([]);
    clock.advance(1);
    expect(written).toEqual([WAITING_COMMENT]);
    clock.advance(15_000);
    expect(written).toEqual([WAITING_COMMENT, WAITING_COMMENT]);
    keepalive.stop();
  });

  it('lets a waking notice restart the interval, so the two never crowd each other', () => {
    const clock = new ManualClock();
    const { caller, written } = recordingCaller();
    const keepalive = new KeepaliveCaller(caller, clock, 15_000);
    clock.advance(10_000);
    keepalive.openStream({}).write(': waking sleepy 10s\n\n');
    clock.advance(14_000);
    expect(written).toEqual([': waking sleepy 10s\n\n']);
    clock.advance(1_000);
    expect(written).toEqual([': waking sleepy 10s\n\n', WAITING_COMMENT]);
    keepalive.openStream({}).write('data: {}\n\n');
    clock.advance(60_000);
    expect(written).toEqual([': waking sleepy 10s\n\n', WAITING_COMMENT, 'data: {}\n\n']);
    expect(keepalive.answerStarted).toBe(true);
  });

  it('stops when the request is over', () => {
    const clock = new ManualClock();
    const { caller, written } = recordingCaller();
    new KeepaliveCaller(caller, clock, 15_000).stop();
    clock.advance(60_000);
    expect(written).toEqual([]);
  });
});
