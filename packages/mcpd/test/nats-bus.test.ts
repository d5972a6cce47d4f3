import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsBus } from '../src/bus/nats-bus.js';
import type { RelayBusHandlers, ResultDelivery } from '../src/relay/relay-bus.js';

const NATS_URL = process.env.MCPCTL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** What one replica's relay saw arrive over the bus. */
class Received implements RelayBusHandlers {
  readonly tasks: Array<{ sessionId: string; taskId: string }> = [];
  readonly deliveries: ResultDelivery[] = [];
  readonly gone: string[] = [];
  readonly attached: string[] = [];
  catalogChanges = 0;
  /** Sessions whose connection this replica has (the relay answers false for others). */
  readonly connected = new Set<string>();

  task: RelayBusHandlers['task'] = (sessionId, task) => {
    this.tasks.push({ sessionId, taskId: task.taskId });
    return this.connected.has(sessionId);
  };
  results: RelayBusHandlers['results'] = (delivery) => {
    this.deliveries.push(delivery);
    return delivery.taskId.endsWith('known') ? { ok: true } : { ok: false, status: 404, message: `unknown or finished task: ${delivery.taskId}` };
  };
  sessionGone: RelayBusHandlers['sessionGone'] = (sessionId) => void this.gone.push(sessionId);
  sessionAttached: RelayBusHandlers['sessionAttached'] = (sessionId) => void this.attached.push(sessionId);
  catalogChanged: RelayBusHandlers['catalogChanged'] = () => void (this.catalogChanges += 1);
}

/* The bus between replicas on the real NATS server, two replicas in one process (each its own connection). */
describe('NatsBus', () => {
  const buses: NatsBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  const start = async (prefix: string, replicaId: string, errors: unknown[] = []) => {
    const received = new Received();
    const bus = new NatsBus({ url: NATS_URL, subjectPrefix: prefix, replicaId, requestTimeoutMs: 2000, onError: (error) => errors.push(error) });
    buses.push(bus);
    await bus.start(received);
    return { bus, received };
  };
  const eventually = async (check: () => boolean) => {
    const deadline = Date.now() + 2000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('not within 2 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const prefix = () => `mcpctl-test-${randomBytes(6).toString('hex')}`;
  const infer = (taskId: string) => ({ kind: 'infer' as const, taskId, llmName: 'local', request: { messages: [] }, streaming: false });

  it('sends a task to the replica holding its session, and answers false at once when none does', async () => {
    const subjects = prefix();
    const a = await start(subjects, 'replica-a');
    const b = await start(subjects, 'replica-b');
    b.received.connected.add('session-1');
    b.bus.holdSession('session-1');
    await eventually(() => a.received.attached.includes('session-1'));
    expect(await a.bus.sendTask('session-1', infer('task_replica-a.x'))).toBe(true);
    expect(b.received.tasks).toEqual([{ sessionId: 'session-1', taskId: 'task_replica-a.x' }]);

    const started = performance.now();
    expect(await a.bus.sendTask('session-2', infer('task_replica-a.y'))).toBe(false);
    // "No responders" comes from the server, not from the request timeout.
    expect(performance.now() - started).toBeLessThan(1000);

    b.bus.releaseSession('session-1', true);
    await eventually(() => a.received.gone.includes('session-1'));
    expect(await a.bus.sendTask('session-1', infer('task_replica-a.z'))).toBe(false);
    expect(b.received.gone).toEqual([]);
  });

  it('carries results to the replica that opened their task, and its refusal back; a replica gone answers 404', async () => {
    const subjects = prefix();
    const a = await start(subjects, 'replica-a');
    const b = await start(subjects, 'replica-b');
    const delivery = { taskId: 'task_replica-a.known', posterId: 'user-1', bodies: [{ chunk: { data: '{}' } }], source: 'socket' as const };
    expect(await b.bus.sendResults('replica-a', delivery)).toEqual({ ok: true });
    expect(a.received.deliveries).toEqual([delivery]);
    expect(await b.bus.sendResults('replica-a', { ...delivery, taskId: 'task_replica-a.other' })).toEqual({
      ok: false,
      status: 404,
      message: 'unknown or finished task: task_replica-a.other',
    });
    expect(await b.bus.sendResults('replica-c', { ...delivery, taskId: 'task_replica-c.known' })).toEqual({
      ok: false,
      status: 404,
      message: 'unknown or finished task: task_replica-c.known',
    });
  });

  it('tells the other replicas of a change to LLM rows, not the one that made it, and drops what it cannot read', async () => {
    const subjects = prefix();
    const errors: unknown[] = [];
    const a = await start(subjects, 'replica-a', errors);
    const b = await start(subjects, 'replica-b');
    a.bus.catalogChanged();
    await eventually(() => b.received.catalogChanges === 1);
    expect(a.received.catalogChanges).toBe(0);

    // A results message without a task id: dropped with an error, never handed to the relay.
    expect(await b.bus.sendResults('replica-a', { taskId: '', posterId: 'u', bodies: [{}], source: 'post' })).toMatchObject({ ok: false, status: 404 });
    expect(a.received.deliveries).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
  });
});
