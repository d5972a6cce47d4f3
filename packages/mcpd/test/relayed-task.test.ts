import { ManualClock } from '@mcpctl/clock/manual';
import { describe, expect, it } from 'vitest';
import type { Caller, CallerSink } from '../src/inference/caller.js';
import { CallerSignal } from '../src/inference/caller-signal.js';
import { openAiDialect } from '../src/inference/open-ai-dialect.js';
import { RelayedTask } from '../src/relay/relayed-task.js';
import { chatChunk } from './support/chat-fixtures.js';

const IDLE_MS = 300_000;

/** A streaming caller whose socket takes writes until told it is full; what it was sent is kept. */
function callerWithSocket() {
  const written: string[] = [];
  const drainListeners: Array<() => void> = [];
  let full = false;
  const sink: CallerSink = {
    write: (text) => written.push(typeof text === 'string' ? text : new TextDecoder().decode(text)),
    end: () => written.push('<end>'),
    get full() {
      return full;
    },
    onDrain: (listener) => drainListeners.push(listener),
  };
  const signal = new CallerSignal();
  const caller: Caller = {
    signal,
    abort: () => signal.abort(),
    streaming: false,
    sendJson: () => {
      throw new Error('a streamed task answers no JSON');
    },
    openStream: () => sink,
  };
  return {
    caller,
    written,
    fill: () => {
      full = true;
    },
    drain: () => {
      full = false;
      for (const listener of drainListeners.splice(0)) listener();
    },
  };
}

function relayedTask(caller: Caller, clock: ManualClock, cancels: string[]) {
  return new RelayedTask(relayedTaskOptions(caller, clock, cancels));
}

function relayedTaskOptions(caller: Caller, clock = new ManualClock(), cancels: string[] = []): ConstructorParameters<typeof RelayedTask>[0] {
  return {
    llmName: 'local',
    streaming: true,
    caller,
    headers: {},
    decoder: openAiDialect.createStreamDecoder({ model: 'local', includeUsage: false, created: 0, source: 'the publisher of local', checkEveryFrame: true }),
    firstResultTimeoutMs: 60_000,
    idleTimeoutMs: IDLE_MS,
    clock,
    bufferBytes: 8 * 1024 * 1024,
    cancel: () => cancels.push('cancel'),
    onEnd: () => undefined,
  };
}

describe('a relayed task whose caller reads slowly', () => {
  it('writes what waited once the caller drains, in order', async () => {
    const clock = new ManualClock();
    const socket = callerWithSocket();
    const task = relayedTask(socket.caller, clock, []);
    task.results([{ chunk: { data: chatChunk('one') } }]);
    socket.fill();
    task.results([{ chunk: { data: chatChunk(' two') } }, { chunk: { data: chatChunk(null, 'stop') } }]);
    task.results([{ chunk: { data: '[DONE]', done: true } }]);
    expect(socket.written.join('')).not.toContain(' two');
    socket.drain();
    await task.done;
    const text = socket.written.join('');
    expect(text.indexOf('one')).toBeLessThan(text.indexOf(' two'));
    expect(text).toMatch(/data: \[DONE\]\n\n<end>$/);
  });

  it('fails as a slow caller, not as a silent publisher, when its chunks still wait at the idle timeout', async () => {
    const clock = new ManualClock();
    const socket = callerWithSocket();
    const cancels: string[] = [];
    const task = relayedTask(socket.caller, clock, cancels);
    task.results([{ chunk: { data: chatChunk('one') } }]);
    socket.fill();
    // The publisher has finished; only the caller is behind.
    task.results([{ chunk: { data: chatChunk(null, 'stop') } }, { chunk: { data: '[DONE]', done: true } }]);
    clock.advance(IDLE_MS);
    await task.done;
    const text = socket.written.join('');
    expect(text).toMatch(/"the caller of local read its answer too slowly: its answer waited past the relay timeout"/);
    expect(text).not.toContain('did not answer in time');
    expect(text).not.toContain('[DONE]');
    expect(cancels).toEqual(['cancel']);
  });

  it('still fails a publisher that falls silent as the publisher', async () => {
    const clock = new ManualClock();
    const socket = callerWithSocket();
    const task = relayedTask(socket.caller, clock, []);
    task.results([{ chunk: { data: chatChunk('one') } }]);
    clock.advance(IDLE_MS);
    await task.done;
    expect(socket.written.join('')).toMatch(/the publisher of local did not answer in time/);
  });
});

describe('a relayed task whose publisher is lost', () => {
  it('ends the stream saying the publisher disconnected, or, when the way to the replica holding it was lost, that it cannot be reached', async () => {
    for (const [how, words] of [
      [undefined, 'the publisher of local disconnected'],
      ['unreachable', 'the publisher of local can no longer be reached from this mcpd'],
    ] as const) {
      const socket = callerWithSocket();
      const task = relayedTask(socket.caller, new ManualClock(), []);
      task.results([{ chunk: { data: chatChunk('one') } }]);
      task.publisherGone(how);
      await task.done;
      expect(socket.written.join('')).toContain(`"message":"${words}"`);
    }
  });
});

describe("a relayed task answered with the local server's error status", () => {
  it('passes a refusal of the request itself on with its status and Retry-After, and takes any other status for the publisher failing', async () => {
    const outcomes: Array<{ status: number; message: string; retryAfterSeconds: number | undefined }> = [];
    for (const [status, retryAfterSeconds] of [
      [429, 7],
      [413, undefined],
      [401, undefined],
      [508, undefined],
    ] as const) {
      const task = relayedTask(callerWithSocket().caller, new ManualClock(), []);
      task.results([{ status, body: { error: { message: 'said the server' } }, retryAfterSeconds }]);
      const error = (await task.done.catch((failure: unknown) => failure)) as { statusCode: number; message: string; retryAfterSeconds?: number };
      outcomes.push({ status: error.statusCode, message: error.message, retryAfterSeconds: error.retryAfterSeconds });
    }
    expect(outcomes).toEqual([
      { status: 429, message: 'the upstream of local rejected the request (HTTP 429): said the server', retryAfterSeconds: 7 },
      { status: 413, message: 'the upstream of local rejected the request (HTTP 413): said the server', retryAfterSeconds: undefined },
      { status: 502, message: 'the publisher of local failed: its model server answered HTTP 401: said the server', retryAfterSeconds: undefined },
      { status: 502, message: 'the publisher of local failed: its model server answered HTTP 508: said the server', retryAfterSeconds: undefined },
    ]);
  });

  it('names the publisher of the LLM whose whole answer is not a chat completion', async () => {
    const { caller } = callerWithSocket();
    const task = new RelayedTask({ ...relayedTaskOptions(caller), streaming: false });
    task.results([{ status: 200, body: { hello: 'world' } }]);
    const error = (await task.done.catch((failure: unknown) => failure)) as { statusCode: number; message: string };
    expect({ status: error.statusCode, message: error.message }).toEqual({ status: 502, message: 'the publisher of local answered something that is not a chat completion' });
  });

  it('keeps a huge error to its bound, read in time linear in it, whatever its characters', async () => {
    // Text that once took each masking pattern the rest of the text at every start: seconds, growing with the square.
    for (const said of ['?a'.repeat(400_000), 'a.'.repeat(400_000), 'sk-'.repeat(300_000)]) {
      const task = relayedTask(callerWithSocket().caller, new ManualClock(), []);
      const startedAt = performance.now();
      task.results([{ status: 500, body: { error: { message: said } } }]);
      const error = (await task.done.catch((failure: unknown) => failure)) as { statusCode: number; message: string };
      expect(performance.now() - startedAt).toBeLessThan(1_000);
      expect(error.statusCode).toBe(502);
      expect(error.message.length).toBeLessThanOrEqual(10_000);
      expect(error.message.startsWith('the publisher of local failed: its model server answered HTTP 500: ')).toBe(true);
    }
  });
});
