import { ManualClock } from '@mcpctl/clock/manual';
import { PROVIDER_SOCKET_PATH, providerSocketCloseCodes, type ProviderRegisterRequest, type TaskResult } from '@mcpctl/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpControlChannel } from '../../src/channels/http-control-channel.js';
import { socketUrl, WebSocketControlChannel } from '../../src/channels/websocket-control-channel.js';
import { McpdHttpError } from '../../src/errors.js';
import type { ChannelFrame } from '../../src/registrar/control-channel.js';
import { startFakeMcpd, type FakeMcpd } from '../registrar/fake-mcpd.js';
import { eventually } from '../support/eventually.js';

const REGISTRATION: ProviderRegisterRequest = { providers: [{ name: 'local-qwen', type: 'openai', model: 'qwen2.5-7b', initialStatus: 'active' }] };

let mcpd: FakeMcpd;
let clock: ManualClock;

beforeEach(async () => {
  mcpd = await startFakeMcpd({ socket: true });
  clock = new ManualClock();
});

afterEach(async () => {
  await mcpd.close();
});

function channelOf(options: { highWaterBytes?: number } = {}): WebSocketControlChannel {
  const http = new HttpControlChannel({ mcpdUrl: mcpd.url, token: mcpd.token, clock });
  return new WebSocketControlChannel({ http, token: mcpd.token, clock, ...options });
}

/** Registers and opens the socket; `outcome` settles with how the life ended. */
async function openSocket(channel: WebSocketControlChannel, signal = new AbortController().signal) {
  const { providerSessionId } = await channel.register(REGISTRATION, new AbortController().signal);
  const frames: ChannelFrame[] = [];
  const transports: unknown[] = [];
  const outcome = channel
    .openStream(providerSessionId, { onOpen: (transport) => transports.push(transport), onFrame: (frame) => frames.push(frame) }, signal)
    .then(
      () => 'ended',
      (error: unknown) => error,
    );
  await eventually('the hello', () => frames.length === 1);
  return { providerSessionId, frames, transports, outcome };
}

describe('WebSocketControlChannel', () => {
  it('builds the socket URL beside mcpd\'s routes: ws for http, wss for https, under a proxy\'s prefix', () => {
    expect(socketUrl('http://mcpd:3100', PROVIDER_SOCKET_PATH)).toBe('ws://mcpd:3100/api/v1/llms/_provider-socket');
    expect(socketUrl('https://gw.example.com/mcpd/', PROVIDER_SOCKET_PATH)).toBe('wss://gw.example.com/mcpd/api/v1/llms/_provider-socket');
  });

  it('opens over the advertised path, says it travels over websocket, and frames hello and tasks as SSE does', async () => {
    const channel = channelOf();
    const { providerSessionId, frames, transports } = await openSocket(channel);
    expect(channel.advertisedPath).toBe(PROVIDER_SOCKET_PATH);
    expect(mcpd.socketOpens).toEqual([providerSessionId]);
    expect(mcpd.streamOpens).toEqual([]);
    expect(transports).toEqual(['websocket']);
    mcpd.pushSocketMessage({ type: 'surprise', detail: 1 });
    mcpd.pushSocketMessage({ type: 'task', task: { kind: 'cancel', taskId: 'task-1' } });
    await eventually('two more frames', () => frames.length === 3);
    expect(frames.map(({ event, data, value }) => ({ event, data, value }))).toEqual([
      { event: 'hello', data: JSON.stringify({ providerSessionId }) },
      // An unknown message reaches the registrar as an unknown SSE event does: it says it ignored it.
      { event: 'surprise', data: JSON.stringify({ detail: 1 }) },
      // The task comes read already (no text to parse again), its text there for whoever asks.
      { event: 'task', data: JSON.stringify({ kind: 'cancel', taskId: 'task-1' }), value: { kind: 'cancel', taskId: 'task-1' } },
    ]);
  });

  it('sends results and heartbeats on the socket, by POST while none is open, and answers gone once mcpd said so', async () => {
    const channel = channelOf();
    const signal = new AbortController().signal;
    // Before any socket: the POST, as the contract allows results while no stream is open.
    expect(await channel.postResult('task-0', { chunk: { data: 'early' } }, signal)).toBe('delivered');
    const controller = new AbortController();
    const { providerSessionId, outcome } = await openSocket(channel, controller.signal);
    expect(await channel.postResult('task-1', { chunk: { data: 'a' } }, signal)).toBe('delivered');
    await channel.heartbeat({ providerSessionId }, signal);
    await eventually('the result and the heartbeat', () => mcpd.results.length === 2 && mcpd.heartbeats.length === 1);
    expect(mcpd.heartbeats[0]).toMatchObject({ providerSessionId, hibernating: undefined });

    // mcpd drops what still comes for the task, and says so once.
    mcpd.goneTasks.add('task-1');
    mcpd.pushSocketMessage({ type: 'gone', taskId: 'task-1', reason: 'the caller went away' });
    // No post is needed for mcpd's word to arrive; until it has, posts still go out (and mcpd drops them).
    while ((await channel.postResult('task-1', { chunk: { data: 'b' } }, signal)) !== 'gone') {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const sentBefore = mcpd.results.length;
    expect(await channel.postResult('task-1', { chunk: { data: 'c' } }, signal)).toBe('gone');
    expect(mcpd.resultsOf('task-1')).toEqual([{ chunk: { data: 'a' } }]);
    expect(mcpd.results.length).toBe(sentBefore);

    controller.abort(new Error('stopping'));
    expect(await outcome).toEqual(new Error('stopping'));
    await eventually('the socket closed at mcpd', () => mcpd.openSockets.size === 0);
    expect(await channel.postResult('task-2', { error: 'late' }, signal)).toBe('delivered');
    expect(mcpd.resultsOf('task-2')).toEqual([{ error: 'late' }]);
  });

  it('moves when mcpd asks (its replica drains): the next life opens while the old socket carries the tasks it brought to their end', async () => {
    const channel = channelOf();
    const signal = new AbortController().signal;
    const { providerSessionId } = await channel.register(REGISTRATION, signal);
    const frames: ChannelFrame[] = [];
    const listener = { onOpen: () => undefined, onFrame: (frame: ChannelFrame) => frames.push(frame) };
    // The registrar's lifetime: every life's socket is opened with it.
    const stop = new AbortController();
    const first = channel.openStream(providerSessionId, listener, stop.signal);
    await eventually('the hello', () => frames.length === 1);
    mcpd.pushSocketMessage({ type: 'task', task: { kind: 'infer', taskId: 'task-old', llmName: 'local-qwen', request: { messages: [] }, streaming: true } });
    await eventually('the task', () => frames.length === 2);
    mcpd.pushSocketMessage({ type: 'reconnect' });
    expect(await first).toBe('moving');
    expect(mcpd.openSockets.size).toBe(1);

    // The next life: its own socket, for new tasks; the old task's results still go up the old one, in order.
    const second = channel.openStream(providerSessionId, listener, stop.signal).catch((error: unknown) => error);
    await eventually('the second socket', () => mcpd.openSockets.size === 2);
    await eventually('its hello', () => frames.length === 3);
    expect(await channel.postResult('task-old', { chunk: { data: 'a' } }, signal)).toBe('delivered');
    expect(await channel.postResult('task-new', { chunk: { data: 'x' } }, signal)).toBe('delivered');
    expect(await channel.postResult('task-old', { chunk: { data: '[DONE]', done: true } }, signal)).toBe('delivered');
    await eventually('three results', () => mcpd.results.length === 3);
    const sent = (taskId: string) => mcpd.results.filter((entry) => entry.taskId === taskId).map(({ result, via }) => ({ result, via }));
    expect(sent('task-old')).toEqual([
      { result: { chunk: { data: 'a' } }, via: { socket: 1 } },
      { result: { chunk: { data: '[DONE]', done: true } }, via: { socket: 1 } },
    ]);
    expect(sent('task-new')).toEqual([{ result: { chunk: { data: 'x' } }, via: { socket: 2 } }]);
    // No reconnect message goes to the registrar: the channel handles it.
    expect(frames.map((frame) => frame.event)).toEqual(['hello', 'task', 'hello']);
    // Stopping closes both: the next life's socket and the one still carrying old tasks.
    stop.abort(new Error('stopping'));
    expect(await second).toEqual(new Error('stopping'));
    await eventually('both sockets closed at mcpd', () => mcpd.openSockets.size === 0);
  });

  it('sends what a turn of the event loop posted as one message per task, in order, a task\'s last chunk at once, and what a later turn posted apart', async () => {
    const channel = channelOf();
    await openSocket(channel);
    const signal = new AbortController().signal;
    // A read of the local server that completed three chunks of one task and one of another.
    const deliveries = [
      channel.postResult('task-1', { chunk: { data: 'one' } }, signal),
      channel.postResult('task-2', { chunk: { data: 'other' } }, signal),
      channel.postResult('task-1', { chunk: { data: 'two' } }, signal),
      // Task 1's last chunk sends what waits at once; what follows in the turn waits for its flush.
      channel.postResult('task-1', { chunk: { data: '[DONE]', done: true } }, signal),
      channel.postResult('task-2', { chunk: { data: 'more' } }, signal),
      channel.postResult('task-2', { chunk: { data: 'still more' } }, signal),
    ];
    // Queued for the turn's flush, each is delivered at once, without a promise.
    expect(deliveries).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
    await eventually('the first turn', () => mcpd.results.length === 6);
    expect(await channel.postResult('task-2', { error: 'later' }, signal)).toBe('delivered');
    await eventually('the second turn', () => mcpd.results.length === 7);
    expect(mcpd.resultMessages).toEqual([
      { type: 'results', taskId: 'task-1', count: 3 },
      { type: 'result', taskId: 'task-2', count: 1 },
      { type: 'results', taskId: 'task-2', count: 2 },
      { type: 'result', taskId: 'task-2', count: 1 },
    ]);
    expect(mcpd.resultsOf('task-1')).toEqual([{ chunk: { data: 'one' } }, { chunk: { data: 'two' } }, { chunk: { data: '[DONE]', done: true } }]);
    expect(mcpd.resultsOf('task-2')).toEqual([{ chunk: { data: 'other' } }, { chunk: { data: 'more' } }, { chunk: { data: 'still more' } }, { error: 'later' }]);
  });

  it('sends a turn\'s chunks as one binary chunks message to an mcpd that says it takes them, and as JSON what that form cannot carry', async () => {
    await mcpd.close();
    mcpd = await startFakeMcpd({ socket: true, binaryChunks: true });
    const channel = channelOf();
    await openSocket(channel);
    const signal = new AbortController().signal;
    const chunk = (data: string, seq: number, done?: true): TaskResult => ({ chunk: done ? { data, done } : { data }, seq });
    const deliveries = [
      channel.postResult('task-1', chunk('{"n":1,"text":"caf\u00e9 \\"quoted\\""}', 1), signal),
      channel.postResult('task-1', chunk('{"n":2}', 2), signal),
      channel.postResult('task-1', chunk('[DONE]', 3, true), signal),
      // A chunk spanning two lines cannot be a line of its own: its task's message is JSON.
      channel.postResult('task-2', chunk('{"n":\n1}', 1), signal),
    ];
    expect(deliveries).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    await eventually('the turn', () => mcpd.results.length === 4);
    expect(mcpd.resultMessages).toEqual([
      { type: 'chunks', taskId: 'task-1', count: 3 },
      { type: 'result', taskId: 'task-2', count: 1 },
    ]);
    const sent = (taskId: string) => mcpd.results.filter((entry) => entry.taskId === taskId).map(({ result, seq }) => ({ ...result, seq }));
    expect(sent('task-1')).toEqual([chunk('{"n":1,"text":"caf\u00e9 \\"quoted\\""}', 1), chunk('{"n":2}', 2), chunk('[DONE]', 3, true)]);
    expect(sent('task-2')).toEqual([chunk('{"n":\n1}', 1)]);
  });

  it('ends a socket that heard nothing for 30 s on its clock, a ping starting the count again', async () => {
    const channel = channelOf();
    const { outcome } = await openSocket(channel);
    clock.advance(29_000);
    mcpd.pingSockets();
    await eventually('the ping read', () => clock.nextTimerInMs === 30_000);
    clock.advance(29_999);
    expect(mcpd.openSockets.size).toBe(1);
    clock.advance(1);
    expect(await outcome).toMatchObject({ message: 'mcpd sent nothing on the provider socket for 30 s' });
    await eventually('the connection cut at mcpd', () => mcpd.openSockets.size === 0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('ends a life when mcpd closes in order, and asks for a new registration when mcpd says the session is gone', async () => {
    const channel = channelOf();
    const first = await openSocket(channel);
    mcpd.closeSockets(1001, 'shutting down');
    expect(await first.outcome).toBe('ended');

    const second = await openSocket(channel);
    mcpd.closeSockets(providerSocketCloseCodes.sessionGone, 'unknown provider session');
    const gone = await second.outcome;
    expect(gone).toBeInstanceOf(McpdHttpError);
    expect(gone).toMatchObject({ status: 404, message: 'mcpd closed the provider socket: the session is gone: unknown provider session' });
  });

  it('says in words why a socket closed, the code beside them', async () => {
    const channel = channelOf();
    const dropped = await openSocket(channel);
    mcpd.dropStreams();
    expect(await dropped.outcome).toMatchObject({ message: 'the connection to mcpd dropped (code 1006)' });
    const failed = await openSocket(channel);
    mcpd.closeSockets(1011, 'database unavailable');
    expect(await failed.outcome).toMatchObject({ message: 'mcpd closed the provider socket after an error of its own (code 1011: database unavailable)' });
  });

  it('refuses a bad token with mcpd\'s status and words, as the SSE stream does', async () => {
    const channel = channelOf();
    const { providerSessionId } = await channel.register(REGISTRATION, new AbortController().signal);
    mcpd.refuseUpgrade = { status: 401, error: 'missing or invalid bearer token' };
    const refused = await channel.openStream(providerSessionId, { onOpen: () => undefined, onFrame: () => undefined }, new AbortController().signal).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(McpdHttpError);
    expect(refused).toMatchObject({ status: 401, message: 'mcpd answered the provider socket with HTTP 401: missing or invalid bearer token' });
  });

  it('holds results back while the socket\'s buffer is over its mark, until mcpd reads again', async () => {
    const highWaterBytes = 64 * 1024;
    const channel = channelOf({ highWaterBytes });
    await openSocket(channel);
    const [accepted] = [...mcpd.openSockets];
    // mcpd stops reading: the kernel's buffers fill, then the socket's own.
    accepted!.connection.pause();
    const data = 'x'.repeat(256 * 1024);
    const signal = new AbortController().signal;
    const settled: string[] = [];
    let sent = 0;
    let pending: Promise<unknown> | undefined;
    // Below the mark a result counts as delivered once handed to the socket; past it, once written out.
    while (!pending && sent < 400) {
      const result: TaskResult = { chunk: { data: `${sent} ${data}` } };
      const delivery = Promise.resolve(channel.postResult('task-1', result, signal)).then((outcome) => settled.push(outcome));
      sent += 1;
      const first = await Promise.race([delivery.then(() => 'settled'), new Promise((resolve) => setTimeout(resolve, 200, 'waiting'))]);
      if (first === 'waiting') pending = delivery;
    }
    expect(pending).toBeDefined();
    expect(settled.length).toBe(sent - 1);

    accepted!.connection.resume();
    await pending;
    expect(settled).toEqual(Array.from({ length: sent }, () => 'delivered'));
    await mcpd.waitFor('every result', () => mcpd.results.length === sent);
    expect(mcpd.results.map((entry) => ('chunk' in entry.result ? entry.result.chunk.data.split(' ')[0] : ''))).toEqual(
      Array.from({ length: sent }, (_, index) => String(index)),
    );
  });
});
