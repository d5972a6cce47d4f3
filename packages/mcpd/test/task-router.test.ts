import { ManualClock } from '@mcpctl/clock/manual';
import type { ProviderTask } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { ProviderHub } from '../src/relay/provider-hub.js';
import type { RelayBus, TaskSendOutcome } from '../src/relay/relay-bus.js';
import { TaskRegistry } from '../src/relay/task-registry.js';
import { TaskRouter } from '../src/relay/task-router.js';
import type { ControlChannel } from '../src/relay/control-channel.js';

const WAIT_MS = 15_000;

/** The bus as the router sees it, answering sends from a script; NATS itself is covered in nats-bus.test.ts. */
class ScriptedBus implements RelayBus {
  readonly replicaId = 'here';
  readonly sent: Array<{ sessionId: string; task: ProviderTask }> = [];
  constructor(readonly answers: Array<TaskSendOutcome | (() => TaskSendOutcome)>) {}
  start = () => Promise.resolve();
  sendTask = (sessionId: string, task: ProviderTask) => {
    this.sent.push({ sessionId, task });
    const next = this.answers.shift() ?? 'nobody';
    return Promise.resolve(typeof next === 'function' ? next() : next);
  };
  sendResults = () => Promise.resolve({ ok: true as const });
  holdSession = () => undefined;
  releaseSession = () => undefined;
  sessionGone = () => undefined;
  catalogChanged = () => undefined;
  accessChanged = () => undefined;
  close = () => Promise.resolve();
}

class RecordingChannel implements ControlChannel {
  readonly transport = 'websocket';
  readonly tasks: ProviderTask[] = [];
  sendTask(task: ProviderTask): void {
    this.tasks.push(task);
  }
  close(): void {}
}

const setUp = (answers: Array<TaskSendOutcome | (() => TaskSendOutcome)>) => {
  const clock = new ManualClock();
  const hub = new ProviderHub();
  const tasks = new TaskRegistry('here');
  const bus = new ScriptedBus(answers);
  const router = new TaskRouter(hub, tasks, bus, clock, WAIT_MS);
  const gone: string[] = [];
  const taskId = tasks.open('s1', 'alice', { results: () => undefined, publisherGone: () => void gone.push('gone') });
  const infer: ProviderTask = { kind: 'infer', taskId, llmName: 'local', request: { messages: [] }, streaming: false };
  return { clock, hub, tasks, bus, router, gone, taskId, infer, handlers: router.handlers({ sessionAttached: () => undefined, catalogChanged: () => undefined, accessChanged: () => undefined }) };
};
const settle = () => new Promise((resolve) => setImmediate(resolve));

/* Where a task goes among replicas when nobody holds its session for a moment (SPEC §12 §8, issue 14 item 4). */
describe('TaskRouter', () => {
  it('sends a task the moment its session reconnects on another replica, within the wait', async () => {
    const { bus, router, handlers, infer, clock } = setUp(['nobody', { holder: 'there' }]);
    const sent = router.send('s1', infer);
    await settle();
    expect(bus.sent).toHaveLength(1);
    clock.advance(WAIT_MS - 1);
    handlers.sessionAttached('s1');
    await expect(sent).resolves.toBe(true);
    expect(bus.sent).toHaveLength(2);
  });

  it('does not miss a reconnection that comes while the first try is under way', async () => {
    const context = setUp([]);
    const { bus, router, handlers, infer } = context;
    // The publisher reconnects elsewhere between NATS's "no responders" and the router reading it.
    bus.answers.push(() => {
      queueMicrotask(() => handlers.sessionAttached('s1'));
      return 'nobody';
    }, { holder: 'there' });
    await expect(router.send('s1', infer)).resolves.toBe(true);
  });

  it('goes to the connection when the publisher comes back to this replica', async () => {
    const { hub, router, infer, bus } = setUp(['nobody']);
    const sent = router.send('s1', infer);
    await settle();
    const channel = new RecordingChannel();
    hub.attach('s1', channel);
    await expect(sent).resolves.toBe(true);
    expect(channel.tasks).toEqual([infer]);
    expect(bus.sent).toHaveLength(1);
  });

  it('tries once more when the wait runs out, and fails when still nobody holds the session', async () => {
    const { router, infer, clock, bus } = setUp(['nobody', 'nobody']);
    const sent = router.send('s1', infer);
    await settle();
    clock.advance(WAIT_MS);
    await expect(sent).resolves.toBe(false);
    expect(bus.sent).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('sends nothing more for a caller that left during the wait', async () => {
    const { router, infer, tasks, taskId, handlers, bus } = setUp(['nobody']);
    const sent = router.send('s1', infer);
    await settle();
    tasks.finish(taskId);
    handlers.sessionAttached('s1');
    await expect(sent).resolves.toBe(false);
    expect(bus.sent).toHaveLength(1);
  });

  it('never sends a task twice when the first try went unanswered: it may have reached a slow replica', async () => {
    const { router, infer, bus, clock } = setUp(['unanswered']);
    await expect(router.send('s1', infer)).resolves.toBe(false);
    expect(bus.sent).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('lets news of an old connection ending pass by tasks on their way or on another connection', async () => {
    const { router, infer, handlers, gone, tasks } = setUp(['nobody', { holder: 'new-holder' }]);
    const sent = router.send('s1', infer);
    await settle();
    handlers.sessionGone('s1', 'old-holder');
    expect(gone).toEqual([]);
    handlers.sessionAttached('s1');
    await sent;
    handlers.sessionGone('s1', 'old-holder');
    expect(gone).toEqual([]);
    // …and fails those that went out on the connection that ended.
    handlers.sessionGone('s1', 'new-holder');
    expect(gone).toEqual(['gone']);
    expect(tasks.size).toBe(0);
  });

  it('ignores a sweep that took this replica for dead while it holds the connection', () => {
    const { hub, router, handlers, gone, infer } = setUp([]);
    hub.attach('s1', new RecordingChannel());
    expect(router.send('s1', infer)).toBe(true);
    handlers.sessionGone('s1', 'here');
    expect(gone).toEqual([]);
  });
});
