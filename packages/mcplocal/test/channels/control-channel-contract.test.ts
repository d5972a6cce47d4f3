import { ManualClock } from '@mcpctl/clock/manual';
import type { ProviderRegisterRequest } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpControlChannel } from '../../src/channels/http-control-channel.js';
import { McpdHttpError } from '../../src/errors.js';
import type { ChannelFrame, ControlChannel } from '../../src/registrar/control-channel.js';
import { startFakeMcpd, type RecordedHeartbeat, type RecordedResult } from '../registrar/fake-mcpd.js';
import { InMemoryMcpd, type Refusal } from '../registrar/in-memory-channel.js';
import { eventually } from '../registrar/registrar-harness.js';

/** One transport under test: its channel, and the handles on mcpd's end the contract needs. */
interface Transport {
  channel: ControlChannel;
  refuseRegistration(refusal: Refusal | undefined): void;
  pushTask(task: Record<string, unknown>): void;
  readonly goneTasks: Set<string>;
  readonly results: RecordedResult[];
  readonly heartbeats: RecordedHeartbeat[];
  readonly openStreams: number;
  close(): Promise<void>;
}

/*
 * What the registrar relies on from any ControlChannel (see control-channel.ts), checked against
 * each transport: SSE + POST against a real HTTP server, and the in-memory pair the registrar's
 * rules are tested over, so that those tests say something about the real transport. A further
 * transport joins the list.
 */
const transports: Record<string, () => Promise<Transport>> = {
  'SSE + POST': async () => {
    const mcpd = await startFakeMcpd();
    return {
      channel: new HttpControlChannel({ mcpdUrl: mcpd.url, token: mcpd.token }),
      refuseRegistration: (refusal) => (mcpd.refuseRegistration = refusal),
      pushTask: (task) => mcpd.pushTask(task),
      goneTasks: mcpd.goneTasks,
      results: mcpd.results,
      heartbeats: mcpd.heartbeats,
      get openStreams() {
        return mcpd.openStreams;
      },
      close: () => mcpd.close(),
    };
  },
  'in memory': async () => {
    const mcpd = new InMemoryMcpd(new ManualClock());
    return {
      channel: mcpd.connect(),
      refuseRegistration: (refusal) => (mcpd.refuseRegistration = refusal),
      pushTask: (task) => mcpd.pushTask(task),
      goneTasks: mcpd.goneTasks,
      results: mcpd.results,
      heartbeats: mcpd.heartbeats,
      get openStreams() {
        return mcpd.openStreams;
      },
      close: () => Promise.resolve(),
    };
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
    const { channel, refuseRegistration } = await open();
    const answer = await channel.register(REGISTRATION, new AbortController().signal);
    expect(answer.providerSessionId).toMatch(/^session-/);
    expect(answer.llms.map((llm) => llm.name)).toEqual(['local-qwen']);

    refuseRegistration({ status: 401, error: 'missing or invalid bearer token' });
    const refused = await channel.register(REGISTRATION, new AbortController().signal).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(McpdHttpError);
    expect(refused).toMatchObject({ status: 401, message: 'mcpd answered the registration with HTTP 401: missing or invalid bearer token' });
  });

  it('opens the stream, then hands over hello and every frame in the order sent; an abort closes it', async () => {
    const { channel, pushTask } = await open();
    const { providerSessionId } = await channel.register(REGISTRATION, new AbortController().signal);
    const seen: Array<'open' | ChannelFrame> = [];
    const controller = new AbortController();
    const stream = channel.openStream(providerSessionId, { onOpen: () => seen.push('open'), onFrame: (frame) => seen.push(frame) }, controller.signal);
    await eventually('the hello frame', () => seen.length === 2);
    const tasks = [1, 2, 3].map((index) => ({ kind: 'cancel', taskId: `task-${index}` }));
    for (const task of tasks) pushTask(task);
    await eventually('three task frames', () => seen.length === 5);
    expect(seen[0]).toBe('open');
    expect(seen[1]).toEqual({ event: 'hello', data: JSON.stringify({ providerSessionId }) });
    expect(seen.slice(2)).toEqual(tasks.map((task) => ({ event: 'task', data: JSON.stringify(task) })));

    controller.abort(new Error('stopping'));
    await expect(stream).rejects.toThrow();
    await eventually('the stream closed at mcpd', () => transport!.openStreams === 0);
  });

  it('posts results, with or without a stream open, and says when mcpd no longer wants the task', async () => {
    const { channel, goneTasks, results } = await open();
    const signal = new AbortController().signal;
    expect(await channel.postResult('task-1', { chunk: { data: '[DONE]', done: true } }, signal)).toBe('delivered');
    goneTasks.add('task-2');
    expect(await channel.postResult('task-2', { error: 'too late' }, signal)).toBe('gone');
    expect(results.map((entry) => [entry.taskId, entry.result])).toEqual([['task-1', { chunk: { data: '[DONE]', done: true } }]]);
  });

  it('heartbeats, and an aborted call rejects without waiting for mcpd', async () => {
    const { channel, heartbeats } = await open();
    const { providerSessionId } = await channel.register(REGISTRATION, new AbortController().signal);
    await channel.heartbeat({ providerSessionId, hibernating: ['local-qwen'] }, new AbortController().signal);
    await expect(channel.heartbeat({ providerSessionId }, AbortSignal.abort(new Error('stopping')))).rejects.toThrow();
    expect(heartbeats.map((beat) => [beat.providerSessionId, beat.hibernating])).toEqual([[providerSessionId, ['local-qwen']]]);
  });
});
