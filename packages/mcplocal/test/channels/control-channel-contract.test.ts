import { ManualClock } from '@mcpctl/clock/manual';
import type { ProviderRegisterRequest } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpControlChannel } from '../../src/channels/http-control-channel.js';
import { NegotiatedControlChannel } from '../../src/channels/negotiated-control-channel.js';
import { WebSocketControlChannel } from '../../src/channels/websocket-control-channel.js';
import { McpdHttpError } from '../../src/errors.js';
import type { ChannelFrame, ControlChannel } from '../../src/registrar/control-channel.js';
import { startFakeMcpd, type FakeMcpd } from '../registrar/fake-mcpd.js';
import { InMemoryMcpd, type Refusal } from '../registrar/in-memory-channel.js';
import { eventually } from '../support/eventually.js';

/** What the contract needs of mcpd's end: the fake mcpd over HTTP and the in-memory one both offer it. */
type McpdEnd = Pick<FakeMcpd | InMemoryMcpd, 'pushTask' | 'goneTasks' | 'results' | 'heartbeats' | 'openStreams'> & {
  refuseRegistration: Refusal | undefined;
};

/** One transport under test: its channel, mcpd's end, and how to shut it down. */
interface Transport {
  channel: ControlChannel;
  mcpd: McpdEnd;
  close(): Promise<void>;
}

/*
 * What the registrar relies on from any ControlChannel (see control-channel.ts), checked against
 * each transport: SSE + POST and the provider socket against a real HTTP and WebSocket server,
 * the negotiated channel mcplocal runs with, and the in-memory pair the registrar's
 * rules are tested over, so that those tests say something about the real transport. A further
 * transport joins the list.
 */
const transports: Record<string, () => Promise<Transport>> = {
  'SSE + POST': async () => {
    const mcpd = await startFakeMcpd();
    return { channel: new HttpControlChannel({ mcpdUrl: mcpd.url, token: mcpd.token }), mcpd, close: () => mcpd.close() };
  },
  WebSocket: async () => {
    const mcpd = await startFakeMcpd({ socket: true });
    const http = new HttpControlChannel({ mcpdUrl: mcpd.url, token: mcpd.token });
    return { channel: new WebSocketControlChannel({ http, token: mcpd.token }), mcpd, close: () => mcpd.close() };
  },
  'negotiated (auto, the socket offered)': async () => {
    const mcpd = await startFakeMcpd({ socket: true });
    const http = new HttpControlChannel({ mcpdUrl: mcpd.url, token: mcpd.token });
    const socket = new WebSocketControlChannel({ http, token: mcpd.token });
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    return { channel: new NegotiatedControlChannel({ http, socket, mode: 'auto', log }), mcpd, close: () => mcpd.close() };
  },
  'in memory': () => {
    const mcpd = new InMemoryMcpd(new ManualClock());
    return Promise.resolve({ channel: mcpd.connect(), mcpd, close: () => Promise.resolve() });
  },
};

const REGISTRATION: ProviderRegisterRequest = { providers: [{ name: 'local-qwen', type: 'openai', model: 'qwen2.5-7b', initialStatus: 'active' }] };

describe.each(Object.keys(transports))('the ControlChannel contract over %s', (name) => {
  let transport: Transport | undefined;

  afterEach(async () => {
    await transport?.close();
    transport = undefined;
  });

  async function open(): Promise<Transport> {
    transport = await transports[name]!();
    return transport;
  }

  it('registers, and a refusal is a McpdHttpError carrying mcpd\'s status and reason', async () => {
    const { channel, mcpd } = await open();
    const answer = await channel.register(REGISTRATION, new AbortController().signal);
    expect(answer.providerSessionId).toMatch(/^session-/);
    expect(answer.llms.map((llm) => llm.name)).toEqual(['local-qwen']);

    mcpd.refuseRegistration = { status: 401, error: 'missing or invalid bearer token' };
    const refused = await channel.register(REGISTRATION, new AbortController().signal).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(McpdHttpError);
    expect(refused).toMatchObject({ status: 401, message: 'mcpd answered the registration with HTTP 401: missing or invalid bearer token' });
  });

  it('opens the stream, then hands over hello and every frame in the order sent; an abort closes it', async () => {
    const { channel, mcpd } = await open();
    const { providerSessionId } = await channel.register(REGISTRATION, new AbortController().signal);
    const seen: Array<'open' | ChannelFrame> = [];
    const controller = new AbortController();
    const stream = channel.openStream(providerSessionId, { onOpen: () => seen.push('open'), onFrame: (frame) => seen.push(frame) }, controller.signal);
    await eventually('the hello frame', () => seen.length === 2);
    const tasks = [1, 2, 3].map((index) => ({ kind: 'cancel', taskId: `task-${index}` }));
    for (const task of tasks) mcpd.pushTask(task);
    await eventually('three task frames', () => seen.length === 5);
    expect(seen[0]).toBe('open');
    expect(seen[1]).toEqual({ event: 'hello', data: JSON.stringify({ providerSessionId }) });
    const taskFrames = seen.slice(2) as ChannelFrame[];
    expect(taskFrames.map(({ event, data }) => ({ event, data }))).toEqual(tasks.map((task) => ({ event: 'task', data: JSON.stringify(task) })));
    // A transport that read the task as JSON hands it on read: the same task as its text.
    for (const [index, frame] of taskFrames.entries()) if (frame.value !== undefined) expect(frame.value).toEqual(tasks[index]);

    controller.abort(new Error('stopping'));
    await expect(stream).rejects.toThrow();
    await eventually('the stream closed at mcpd', () => mcpd.openStreams === 0);
  });

  it('posts results, with or without a stream open, and says when mcpd no longer wants the task', async () => {
    const { channel, mcpd } = await open();
    const signal = new AbortController().signal;
    expect(await channel.postResult('task-1', { chunk: { data: '[DONE]', done: true } }, signal)).toBe('delivered');
    mcpd.goneTasks.add('task-2');
    expect(await channel.postResult('task-2', { error: 'too late' }, signal)).toBe('gone');
    expect(mcpd.results.map((entry) => [entry.taskId, entry.result])).toEqual([['task-1', { chunk: { data: '[DONE]', done: true } }]]);
  });

  it('carries results and heartbeats while the stream is open, and says in time when mcpd no longer wants a task', async () => {
    const { channel, mcpd } = await open();
    const { providerSessionId } = await channel.register(REGISTRATION, new AbortController().signal);
    let opened = false;
    const controller = new AbortController();
    const stream = channel.openStream(providerSessionId, { onOpen: () => (opened = true), onFrame: () => undefined }, controller.signal).catch(() => undefined);
    await eventually('the stream open', () => opened);
    const signal = new AbortController().signal;
    const chunks = ['a', 'b', 'c'].map((data) => ({ chunk: { data } }));
    for (const result of chunks) expect(await channel.postResult('task-1', result, signal)).toBe('delivered');
    await channel.heartbeat({ providerSessionId, hibernating: ['local-qwen'] }, signal);
    await eventually('the results and the heartbeat at mcpd', () => mcpd.results.length === 3 && mcpd.heartbeats.length === 1);
    expect(mcpd.results.map((entry) => entry.result)).toEqual(chunks);
    expect(mcpd.heartbeats.map((beat) => [beat.providerSessionId, beat.hibernating])).toEqual([[providerSessionId, ['local-qwen']]]);

    // A transport without an answer per result learns it from mcpd a moment later: by the next result at the latest.
    mcpd.goneTasks.add('task-2');
    const deliveries: string[] = [];
    await eventually('a gone delivery', () => {
      void Promise.resolve(channel.postResult('task-2', { chunk: { data: 'x' } }, signal)).then(
        (delivery) => deliveries.push(delivery),
        () => undefined,
      );
      return deliveries.includes('gone');
    });
    expect(mcpd.results.filter((entry) => entry.taskId === 'task-2')).toEqual([]);
    controller.abort(new Error('stopping'));
    await stream;
  });

  it('heartbeats, and an aborted call rejects without waiting for mcpd', async () => {
    const { channel, mcpd } = await open();
    const { providerSessionId } = await channel.register(REGISTRATION, new AbortController().signal);
    await channel.heartbeat({ providerSessionId, hibernating: ['local-qwen'] }, new AbortController().signal);
    await expect(channel.heartbeat({ providerSessionId }, AbortSignal.abort(new Error('stopping')))).rejects.toThrow();
    expect(mcpd.heartbeats.map((beat) => [beat.providerSessionId, beat.hibernating])).toEqual([[providerSessionId, ['local-qwen']]]);
  });
});
