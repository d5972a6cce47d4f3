import { ManualClock } from '@mcpctl/clock/manual';
import type { ProviderTask } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { ProviderHub } from '../src/relay/provider-hub.js';
import type { RelayBus, TaskSendOutcome } from '../src/relay/relay-bus.js';
import { AWAY, TaskRegistry } from '../src/relay/task-registry.js';
import { TaskRouter } from '../src/relay/task-router.js';
import type { ControlChannel } from '../src/relay/control-channel.js';

const WAIT_MS = 15_000;

/** The relay's own hooks, which these tests do not watch. */
const NO_HOOKS: Parameters<TaskRouter['handlers']>[0] = {
  sessionAttached: () => undefined,
  catalogChanged: () => undefined,
  accessChanged: () => undefined,
  userLoad: () => undefined,
  dispatchLoad: () => undefined,
  slotsFreed: () => undefined,
};

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
  sendResults: RelayBus['sendResults'] = () => Promise.resolve({ ok: true });
  holdSession = () => undefined;
  readonly released: string[] = [];
  releaseSession = (sessionId: string) => void this.released.push(sessionId);
  sessionGone: RelayBus['sessionGone'] = () => undefined;
  catalogChanged = () => undefined;
  accessChanged = () => undefined;
  reportUserLoad = () => undefined;
  reportDispatchLoad = () => undefined;
  slotsFreed = () => undefined;
  readonly ended: Array<{ holder: string; taskId: string }> = [];
  taskEnded = (holder: string, taskId: string) => void this.ended.push({ holder, taskId });
  readonly delivered: Array<{ opener: string; taskId: string }> = [];
  taskDelivered = (opener: string, taskId: string) => void this.delivered.push({ opener, taskId });
  ping = () => Promise.resolve(true);
  close = () => Promise.resolve();
}

class RecordingChannel implements ControlChannel {
  readonly tasks: ProviderTask[] = [];
  readonly said: string[] = [];
  constructor(
    readonly transport: 'websocket' | 'sse' = 'websocket',
    readonly carriesResults = transport === 'websocket',
  ) {}
  sendTask(task: ProviderTask): void {
    this.tasks.push(task);
  }
  moveAway(): void {
    this.said.push('move away');
  }
  close(reason: string): void {
    this.said.push(`close ${reason}`);
  }
}

const setUp = (answers: Array<TaskSendOutcome | (() => TaskSendOutcome)>) => {
  const clock = new ManualClock();
  const hub = new ProviderHub();
  const tasks = new TaskRegistry('here');
  const bus = new ScriptedBus(answers);
  const router = new TaskRouter(hub, tasks, bus, clock, WAIT_MS);
  const gone: string[] = [];
  const taskId = tasks.open('s1', 'alice', { results: () => undefined, publisherGone: (how) => void gone.push(how === undefined ? 'gone' : `gone ${how}`) });
  const infer: ProviderTask = { kind: 'infer', taskId, llmName: 'local', request: { messages: [] }, streaming: false };
  return { clock, hub, tasks, bus, router, gone, taskId, infer, handlers: router.handlers(NO_HOOKS) };
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

  it('fails at once the tasks that went out on another replica when the bus is lost, and only those', async () => {
    const { router, tasks, gone, taskId, infer } = setUp([{ holder: 'there' }]);
    await expect(router.send('s1', infer)).resolves.toBe(true);
    const lost: string[] = [];
    const here = tasks.open('s2', 'alice', { results: () => undefined, publisherGone: () => void lost.push('here') });
    tasks.deliveredVia(here, 'here');
    const onItsWay = tasks.open('s3', 'alice', { results: () => undefined, publisherGone: () => void lost.push('away') });
    tasks.deliveredVia(onItsWay, AWAY);
    router.busLost();
    expect(gone).toEqual(['gone unreachable']);
    expect(tasks.has(taskId)).toBe(false);
    expect(lost).toEqual([]);
    expect(tasks.has(here) && tasks.has(onItsWay)).toBe(true);
  });

  it('ignores a sweep that took this replica for dead while it holds the connection', () => {
    const { hub, router, handlers, gone, infer } = setUp([]);
    hub.attach('s1', new RecordingChannel());
    expect(router.send('s1', infer)).toBe(true);
    handlers.sessionGone('s1', 'here');
    expect(gone).toEqual([]);
  });
});

/* maxConcurrent among replicas, kept by the replica holding the session's connection (issue 14 item 2). */
describe('TaskRouter on the holder of a connection', () => {
  const holder = (channel = new RecordingChannel()) => {
    const clock = new ManualClock();
    const hub = new ProviderHub();
    const tasks = new TaskRegistry('here');
    const bus = new ScriptedBus([]);
    const router = new TaskRouter(hub, tasks, bus, clock, WAIT_MS);
    hub.attach('s1', channel);
    const handlers = router.handlers(NO_HOOKS);
    const infer = (taskId: string): ProviderTask => ({ kind: 'infer', taskId, llmName: 'local', request: { messages: [] }, streaming: true });
    return { clock, hub, tasks, bus, router, channel, handlers, infer };
  };

  it('runs at most maxConcurrent tasks of an LLM from every replica at once, the rest in arrival order', () => {
    const { router, channel, handlers, tasks, infer, bus } = holder();
    const local = tasks.open('s1', 'alice', { results: () => undefined, publisherGone: () => undefined });
    expect(router.send('s1', infer(local), 2)).toBe(true);
    expect(handlers.task('s1', infer('task_a.1'), 2)).toBe('delivered');
    expect(handlers.task('s1', infer('task_b.1'), 2)).toBe('queued');
    expect(handlers.task('s1', infer('task_a.2'), 2)).toBe('queued');
    expect(channel.tasks.map((task) => task.taskId)).toEqual([local, 'task_a.1']);

    // The remote opener says its task ended: the next in line goes out, and its opener hears so.
    handlers.taskEnded('task_a.1');
    expect(channel.tasks.map((task) => task.taskId)).toEqual([local, 'task_a.1', 'task_b.1']);
    expect(bus.delivered).toEqual([{ opener: 'b', taskId: 'task_b.1' }]);
    // A cancel of a task still waiting takes it out of the line and never reaches the publisher.
    expect(handlers.task('s1', { kind: 'cancel', taskId: 'task_a.2', llmName: 'local' }, null)).toBe('delivered');
    // The local task ends here: its slot is freed without any message.
    tasks.finish(local);
    expect(channel.tasks.map((task) => task.taskId)).toEqual([local, 'task_a.1', 'task_b.1']);
    expect(handlers.task('s1', infer('task_a.3'), 2)).toBe('delivered');
    expect(channel.tasks.map((task) => task.taskId)).toEqual([local, 'task_a.1', 'task_b.1', 'task_a.3']);
    expect(bus.delivered).toHaveLength(1);
  });

  it('frees a slot when the last result of a task passes through to the replica that opened it', async () => {
    const { router, channel, handlers, infer } = holder();
    handlers.task('s1', infer('task_there.1'), 1);
    handlers.task('s1', infer('task_there.2'), 1);
    expect(channel.tasks).toHaveLength(1);
    await router.accept('task_there.1', 'alice', [{ chunk: { data: '{}' } }], 'socket');
    expect(channel.tasks).toHaveLength(1);
    await router.accept('task_there.1', 'alice', [{ chunk: { data: '[DONE]', done: true } }], 'socket');
    expect(channel.tasks.map((task) => task.taskId)).toEqual(['task_there.1', 'task_there.2']);
  });

  it('frees a slot when the opener refuses a result or cannot be reached: the publisher is told the task is gone', async () => {
    const { router, channel, handlers, infer, bus } = holder();
    handlers.task('s1', infer('task_there.1'), 1);
    handlers.task('s1', infer('task_there.2'), 1);
    handlers.task('s1', infer('task_there.3'), 1);
    bus.sendResults = () => Promise.reject(new Error('NATS is down'));
    await expect(router.accept('task_there.1', 'alice', [{ chunk: { data: '{}' } }], 'socket')).rejects.toThrow('NATS is down');
    expect(channel.tasks.map((task) => task.taskId)).toEqual(['task_there.1', 'task_there.2']);
    bus.sendResults = () => Promise.resolve({ ok: false as const, status: 404, message: 'unknown task' });
    await expect(router.accept('task_there.2', 'alice', [{ chunk: { data: '{}' } }], 'socket')).rejects.toThrow('unknown task');
    expect(channel.tasks.map((task) => task.taskId)).toEqual(['task_there.1', 'task_there.2', 'task_there.3']);
  });

  it("takes back the slot of a task silent past its opener's limit, whose end was lost with the bus, once another waits", async () => {
    const { router, channel, handlers, infer, clock } = holder();
    handlers.task('s1', infer('task_there.1'), 1);
    clock.advance(200_000);
    // A result passing through says it is alive.
    await router.accept('task_there.1', 'alice', [{ chunk: { data: '{}' } }], 'socket');
    clock.advance(200_000);
    handlers.task('s1', infer('task_there.2'), 1);
    expect(channel.tasks.map((task) => task.taskId)).toEqual(['task_there.1']);
    // Silent for longer than the opener allows (300 s by default) and the margin: it has ended there.
    clock.advance(131_000);
    handlers.task('s1', infer('task_there.3'), 1);
    expect(channel.tasks.map((task) => task.taskId)).toEqual(['task_there.1', 'task_there.2']);
  });

  it('tells the replica that delivered a task when it ends where it was opened, and forgets what ran on a connection that closed', () => {
    const { router, bus, tasks, hub, channel, handlers, infer } = holder();
    const opened = tasks.open('s2', 'alice', { results: () => undefined, publisherGone: () => undefined });
    tasks.deliveredVia(opened, 'there');
    tasks.finish(opened);
    expect(bus.ended).toEqual([{ holder: 'there', taskId: opened }]);

    handlers.task('s1', infer('task_x.1'), 1);
    handlers.task('s1', infer('task_x.2'), 1);
    hub.detach('s1', channel);
    const again = new RecordingChannel();
    hub.attach('s1', again);
    expect(router.send('s1', infer('task_x.3'), 1)).toBe(true);
    expect(again.tasks.map((task) => task.taskId)).toEqual(['task_x.3']);
  });

  /* A rolling restart (issue 14 item 5): the publishers of a draining replica move without a task failing. */
  it('moves a socket away: no new task comes, waiting ones still go out on it, and it closes once they ended and the session is held elsewhere', async () => {
    const { router, bus, hub, channel, handlers, infer } = holder();
    handlers.task('s1', infer('task_x.1'), 1);
    handlers.task('s1', infer('task_x.2'), 1);
    hub.detach('s1', channel, true);
    let moved = false;
    void router.moveAway('s1', channel, 60_000).then(() => (moved = true));
    expect(bus.released).toEqual(['s1']);
    expect(channel.said).toEqual(['move away']);
    // Tasks no longer come here: the bus takes them to the session's next holder.
    expect(handlers.task('s1', infer('task_x.3'), 1)).toBe(false);

    handlers.taskEnded('task_x.1');
    expect(channel.tasks.map((task) => task.taskId)).toEqual(['task_x.1', 'task_x.2']);
    await settle();
    expect(channel.said).toEqual(['move away']);
    handlers.taskEnded('task_x.2');
    await settle();
    expect(channel.said).toEqual(['move away', 'close shuttingDown']);
    expect(moved).toBe(false);
    handlers.sessionAttached('s1');
    await settle();
    expect(moved).toBe(true);
  });

  it('ends a moving SSE stream as soon as nothing waits for it: results of the running tasks come by POST to any replica', async () => {
    const channel = new RecordingChannel('sse');
    const { router, hub, handlers, infer } = holder(channel);
    handlers.task('s1', infer('task_x.1'), 1);
    hub.detach('s1', channel, true);
    void router.moveAway('s1', channel, 60_000);
    await settle();
    expect(channel.said).toEqual(['move away', 'close shuttingDown']);
  });

  it('keeps a moving socket open for a wake under way: its result comes up it', async () => {
    const { router, hub, channel, handlers } = holder();
    handlers.task('s1', { kind: 'wake', taskId: 'task_x.w', llmName: 'local' }, null);
    hub.detach('s1', channel, true);
    void router.moveAway('s1', channel, 60_000);
    await settle();
    expect(channel.said).toEqual(['move away']);
    handlers.taskEnded('task_x.w');
    await settle();
    expect(channel.said).toEqual(['move away', 'close shuttingDown']);
  });

  it('closes a moving connection at the deadline when its tasks have not ended, failing what it still carried', async () => {
    const { clock, router, bus, hub, channel, handlers, infer } = holder();
    handlers.task('s1', infer('task_x.1'), 1);
    hub.detach('s1', channel, true);
    let moved = false;
    void router.moveAway('s1', channel, 30_000).then(() => (moved = true));
    const gone: string[] = [];
    bus.sessionGone = (sessionId: string) => void gone.push(sessionId);
    await clock.advanceAsync(30_000);
    await settle();
    expect(channel.said).toEqual(['move away', 'close shuttingDown']);
    expect(moved).toBe(true);
    expect(gone).toEqual(['s1']);
  });
});

describe('TaskRegistry results numbered by the publisher', () => {
  it('takes each seq once, in a batch too, and every result without one', () => {
    const tasks = new TaskRegistry();
    const taken: Array<number | string | undefined> = [];
    const taskId = tasks.open('s1', 'alice', {
      results: (results) => taken.push(...results.map((result) => ('chunk' in result ? result.chunk.data : result.seq))),
      publisherGone: () => undefined,
    });
    const chunk = (data: string, seq?: number) => ({ chunk: { data }, ...(seq === undefined ? {} : { seq }) });
    expect(tasks.deliver(taskId, 'alice', [chunk('a', 1), chunk('a', 1), chunk('b', 2)])).toBe(true);
    // A repeat of what was taken, then the next one: only the next one reaches the caller.
    expect(tasks.deliver(taskId, 'alice', [chunk('b', 2), chunk('c', 3)])).toBe(true);
    // Repeats alone change nothing and are still answered as delivered (the publisher's post got through this time).
    expect(tasks.deliver(taskId, 'alice', [chunk('c', 3)])).toBe(true);
    // An older publisher numbers nothing: all of it is taken.
    expect(tasks.deliver(taskId, 'alice', [chunk('d'), chunk('d')])).toBe(true);
    expect(taken).toEqual(['a', 'b', 'c', 'd', 'd']);
    // Not the owner: nothing is taken, whatever the number.
    expect(tasks.deliver(taskId, 'bob', [chunk('e', 4)])).toBe(false);
    expect(tasks.deliver(taskId, 'alice', [chunk('e', 4)])).toBe(true);
    expect(taken.at(-1)).toBe('e');
  });

  it('ends the task at a gap in the numbers: the results before it reach the caller, the publisher is told it is gone', () => {
    const tasks = new TaskRegistry();
    const taken: string[] = [];
    const gone: Array<string | undefined> = [];
    const taskId = tasks.open('s1', 'alice', {
      results: (results) => taken.push(...results.map((result) => ('chunk' in result ? result.chunk.data : 'other'))),
      publisherGone: (how) => void gone.push(how),
    });
    const chunk = (data: string, seq: number) => ({ chunk: { data }, seq });
    expect(tasks.deliver(taskId, 'alice', [chunk('a', 1), chunk('b', 2)])).toBe(true);
    // 3 and 4 were lost on the way (a connection that broke): 5 is not passed on as if nothing were missing.
    expect(tasks.deliver(taskId, 'alice', [chunk('e', 5), chunk('f', 6)])).toBe(false);
    expect(taken).toEqual(['a', 'b']);
    expect(gone).toEqual(['lost']);
    expect(tasks.has(taskId)).toBe(false);

    // A gap inside one batch: what comes before it goes on; and a first result lost is a gap too.
    const second = tasks.open('s1', 'alice', { results: (results) => taken.push(...results.map(() => 'x')), publisherGone: (how) => void gone.push(how) });
    expect(tasks.deliver(second, 'alice', [chunk('x', 1), chunk('y', 3)])).toBe(false);
    const third = tasks.open('s1', 'alice', { results: () => taken.push('never'), publisherGone: (how) => void gone.push(how) });
    expect(tasks.deliver(third, 'alice', [chunk('z', 2)])).toBe(false);
    expect(taken).toEqual(['a', 'b', 'x']);
    expect(gone).toEqual(['lost', 'lost', 'lost']);
  });
});

describe('TaskRegistry tasks waiting in the line of a replica no longer alive', () => {
  const open = (tasks: TaskRegistry, holder: string, queued: boolean, gone: string[], name: string) => {
    const taskId = tasks.open('s1', 'alice', { results: () => undefined, publisherGone: () => void gone.push(name) });
    tasks.deliveredVia(taskId, holder, queued);
    return taskId;
  };

  it('fails those still waiting there after the grace; leaves those that went out to their own timers', () => {
    const tasks = new TaskRegistry('me');
    const gone: string[] = [];
    const waiting = open(tasks, 'dead', true, gone, 'waited in the dead replica’s line');
    const sent = open(tasks, 'dead', false, gone, 'went out through the dead replica');
    const wentOutLater = open(tasks, 'dead', true, gone, 'went out from the line before the death');
    open(tasks, 'live', true, gone, 'waits on a live replica');
    open(tasks, 'me', true, gone, 'waits on this replica');
    open(tasks, 'unknown', true, gone, 'taken by a replica that did not say its id');
    const alive = new Set(['me', 'live']);
    // Its holder said it went out (`P.replica.me.delivered`).
    tasks.deliveredVia(wentOutLater, undefined, false);

    // Found orphaned: the grace starts, nothing fails yet.
    expect(tasks.failOrphans(alive, 'me', 1_000, 15_000)).toBe(0);
    expect(tasks.failOrphans(alive, 'me', 15_999, 15_000)).toBe(0);
    expect(tasks.failOrphans(alive, 'me', 16_000, 15_000)).toBe(1);
    expect(gone).toEqual(['waited in the dead replica’s line']);
    expect(tasks.has(waiting)).toBe(false);
    expect(tasks.has(sent)).toBe(true);
    expect(tasks.failOrphans(alive, 'me', 60_000, 15_000)).toBe(0);
    expect(tasks.size).toBe(5);
  });

  it('keeps a task its holder said went out from being taken for queued by the answer that came after that word', () => {
    const tasks = new TaskRegistry('me');
    const gone: string[] = [];
    const taskId = tasks.open('s1', 'alice', { results: () => undefined, publisherGone: () => void gone.push('wrongly failed') });
    tasks.deliveredVia(taskId, undefined, false);
    tasks.deliveredVia(taskId, 'dead', true);
    expect(tasks.failOrphans(new Set(['me']), 'me', 1_000, 0)).toBe(0);
    expect(tasks.failOrphans(new Set(['me']), 'me', 100_000, 0)).toBe(0);
    expect(gone).toEqual([]);
  });

  it('starts the grace again for a holder seen alive in between (a late beat), and forgets it for a task heard from', () => {
    const tasks = new TaskRegistry('me');
    const gone: string[] = [];
    const late = open(tasks, 'slow', true, gone, 'late');
    expect(tasks.failOrphans(new Set(['me']), 'me', 1_000, 15_000)).toBe(0);
    // Its beat came after all.
    expect(tasks.failOrphans(new Set(['me', 'slow']), 'me', 30_000, 15_000)).toBe(0);
    expect(tasks.failOrphans(new Set(['me']), 'me', 65_000, 15_000)).toBe(0);
    expect(tasks.failOrphans(new Set(['me']), 'me', 79_999, 15_000)).toBe(0);
    // Results came: it went out, whatever the line said.
    expect(tasks.deliver(late, 'alice', [{ chunk: { data: '{}' }, seq: 1 }])).toBe(true);
    expect(tasks.failOrphans(new Set(['me']), 'me', 200_000, 15_000)).toBe(0);
    expect(gone).toEqual([]);
  });
});
