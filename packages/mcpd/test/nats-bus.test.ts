import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort } from '@mcpctl/test-kit';
import { eventually } from './support/eventually.js';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsBus } from '../src/bus/nats-bus.js';
import { BusPayloadTooLargeError, type RelayBusHandlers, type ResultDelivery } from '../src/relay/relay-bus.js';

const NATS_URL = process.env.MCPCTL_TEST_NATS_URL;

/** What one replica's relay saw arrive over the bus. */
class Received implements RelayBusHandlers {
  readonly tasks: Array<{ sessionId: string; taskId: string }> = [];
  readonly deliveries: ResultDelivery[] = [];
  readonly gone: Array<{ sessionId: string; holder: string }> = [];
  readonly attached: string[] = [];
  catalogChanges = 0;
  readonly accessChanges: unknown[] = [];
  readonly ended: string[] = [];
  readonly delivered: string[] = [];
  /** Sessions whose tasks wait here for a slot. */
  readonly full = new Set<string>();
  readonly userLoads: unknown[] = [];
  readonly dispatchLoads: unknown[] = [];
  readonly freedSlots: string[] = [];
  readonly limits: Array<number | null> = [];
  /** Sessions whose connection this replica has (the relay answers false for others). */
  readonly connected = new Set<string>();

  task: RelayBusHandlers['task'] = (sessionId, task, maxConcurrent) => {
    this.tasks.push({ sessionId, taskId: task.taskId });
    this.limits.push(maxConcurrent);
    if (!this.connected.has(sessionId)) return false;
    return this.full.has(sessionId) ? 'queued' : 'delivered';
  };
  results: RelayBusHandlers['results'] = (delivery) => {
    this.deliveries.push(delivery);
    return delivery.taskId.endsWith('known') ? { ok: true } : { ok: false, status: 404, message: `unknown or finished task: ${delivery.taskId}` };
  };
  sessionGone: RelayBusHandlers['sessionGone'] = (sessionId, holder) => void this.gone.push({ sessionId, holder });
  sessionAttached: RelayBusHandlers['sessionAttached'] = (sessionId) => void this.attached.push(sessionId);
  catalogChanged: RelayBusHandlers['catalogChanged'] = () => void (this.catalogChanges += 1);
  accessChanged: RelayBusHandlers['accessChanged'] = (change) => void this.accessChanges.push(change);
  taskEnded: RelayBusHandlers['taskEnded'] = (taskId) => void this.ended.push(taskId);
  taskDelivered: RelayBusHandlers['taskDelivered'] = (taskId) => void this.delivered.push(taskId);
  userLoad: RelayBusHandlers['userLoad'] = (load) => void this.userLoads.push(load);
  dispatchLoad: RelayBusHandlers['dispatchLoad'] = (load) => void this.dispatchLoads.push(load);
  slotsFreed: RelayBusHandlers['slotsFreed'] = (llmId) => void this.freedSlots.push(llmId);
}

/* The bus between replicas on the real NATS server, two replicas in one process (each its own connection). */
describe.skipIf(!NATS_URL)('NatsBus (MCPCTL_TEST_NATS_URL)', () => {
  const buses: NatsBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  const start = async (prefix: string, replicaId: string, errors: unknown[] = []) => {
    const received = new Received();
    const bus = new NatsBus({ url: NATS_URL!, subjectPrefix: prefix, replicaId, requestTimeoutMs: 2000, onError: (error) => errors.push(error) });
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
  /** Replicas a and b on subjects of their own, b holding session-1's connection, a told so. */
  const bHoldingSession1 = async () => {
    const subjects = prefix();
    const a = await start(subjects, 'replica-a');
    const b = await start(subjects, 'replica-b');
    b.received.connected.add('session-1');
    b.bus.holdSession('session-1');
    await eventually(() => a.received.attached.includes('session-1'));
    return { a, b };
  };
  const infer = (taskId: string) => ({ kind: 'infer' as const, taskId, llmName: 'local', request: { messages: [] }, streaming: false });

  it('answers a ping from a replica under the same prefix, and none under another (a misconfigured replica)', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const { bus: one } = await start(prefix, 'one');
    await start(prefix, 'two');
    await start(`${prefix}x`, 'elsewhere');
    await expect(one.ping('two')).resolves.toBe(true);
    await expect(one.ping('elsewhere')).resolves.toBe(false);
    await expect(one.ping('nobody')).resolves.toBe(false);
  });

  it('sends a task to the replica holding its session, and answers false at once when none does', async () => {
    const { a, b } = await bHoldingSession1();
    // The answer names the replica whose connection the task went out on.
    expect(await a.bus.sendTask('session-1', infer('task_replica-a.x'))).toEqual({ holder: 'replica-b', queued: false });
    expect(b.received.tasks).toEqual([{ sessionId: 'session-1', taskId: 'task_replica-a.x' }]);
    expect(await a.bus.sendTask('session-1', infer('task_replica-a.w'), 2)).toEqual({ holder: 'replica-b', queued: false });
    expect(b.received.limits).toEqual([null, 2]);
    // Taken to wait for a slot: the answer says so, and the holder says when it went out.
    b.received.full.add('session-1');
    expect(await a.bus.sendTask('session-1', infer('task_replica-a.v'), 1)).toEqual({ holder: 'replica-b', queued: true });
    b.received.full.delete('session-1');
    b.bus.taskDelivered('replica-a', 'task_replica-a.v');
    await eventually(() => a.received.delivered.length === 1);
    expect(a.received.delivered).toEqual(['task_replica-a.v']);
    expect(b.received.delivered).toEqual([]);
    // The end of a task opened on a and delivered through b reaches b alone.
    a.bus.taskEnded('replica-b', 'task_replica-a.w');
    await eventually(() => b.received.ended.length === 1);
    expect(b.received.ended).toEqual(['task_replica-a.w']);
    expect(a.received.ended).toEqual([]);

    // "No responders" comes from the server at once, not from the request timeout (2 s here).
    const started = performance.now();
    expect(await a.bus.sendTask('session-2', infer('task_replica-a.y'))).toBe('nobody');
    expect(performance.now() - started).toBeLessThan(1500);

    b.bus.releaseSession('session-1');
    b.bus.sessionGone('session-1', 'replica-b');
    await eventually(() => a.received.gone.length === 1);
    expect(a.received.gone).toEqual([{ sessionId: 'session-1', holder: 'replica-b' }]);
    expect(await a.bus.sendTask('session-1', infer('task_replica-a.z'))).toBe('nobody');
    expect(b.received.gone).toEqual([]);
  });

  it('refuses what NATS would not carry: a task at once, results with 413 while the caller hears why', async () => {
    const { a, b } = await bHoldingSession1();
    const huge = 'x'.repeat(2 * 1024 * 1024);
    const task = { ...infer('task_replica-a.big'), request: { messages: [{ role: 'user', content: huge }] } };
    await expect(a.bus.sendTask('session-1', task)).rejects.toBeInstanceOf(BusPayloadTooLargeError);
    expect(b.received.tasks).toEqual([]);

    const answer = await b.bus.sendResults('replica-a', { taskId: 'task_replica-a.known', posterId: 'user-1', bodies: [{ status: 200, body: huge }], source: 'post' });
    expect(answer).toMatchObject({ ok: false, status: 413 });
    expect(a.received.deliveries).toHaveLength(1);
    expect(a.received.deliveries[0]!.bodies).toEqual([{ error: expect.stringMatching(/larger than mcpd can pass between replicas/) }]);
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

  it('tells the other replicas of a change to LLM rows or to access and what its dispatcher holds, not the one that made it, and drops what it cannot read', async () => {
    const subjects = prefix();
    const errors: unknown[] = [];
    const a = await start(subjects, 'replica-a', errors);
    const b = await start(subjects, 'replica-b');
    a.bus.catalogChanged();
    await eventually(() => b.received.catalogChanges === 1);
    expect(a.received.catalogChanges).toBe(0);
    a.bus.accessChanged({ tokenId: 'token-1' });
    a.bus.accessChanged({ sessionIds: ['session-1', 'session-2'] });
    await eventually(() => b.received.accessChanges.length === 2);
    expect(b.received.accessChanges).toEqual([{ tokenId: 'token-1' }, { sessionIds: ['session-1', 'session-2'] }]);
    expect(a.received.accessChanges).toEqual([]);

    // What a dispatcher holds reaches the others, named by its replica.
    a.bus.reportDispatchLoad({ inFlight: { 'llm-1': 2 }, queues: { 'pool:team': { queued: 1, oldestWaitMs: 250 } } });
    await eventually(() => b.received.dispatchLoads.length === 1);
    expect(b.received.dispatchLoads).toEqual([{ from: 'replica-a', inFlight: { 'llm-1': 2 }, queues: { 'pool:team': { queued: 1, oldestWaitMs: 250 } } }]);
    expect(a.received.dispatchLoads).toEqual([]);

    // A results message without a task id: refused at once with an error, never handed to the relay.
    const started = performance.now();
    expect(await b.bus.sendResults('replica-a', { taskId: '', posterId: 'u', bodies: [{}], source: 'post' })).toMatchObject({ ok: false, status: 400 });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(a.received.deliveries).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
  });
});

/*
 * A NATS server of its own, stopped and started again under a connected replica: the replica's
 * log says when replicas cannot reach one another, and when they can again. Runs where the CI's
 * `nats-server` is installed, as the replica tests do.
 */
describe.skipIf(!NATS_URL)('NatsBus when NATS goes away and comes back', () => {
  const started: ChildProcess[] = [];
  afterEach(() => {
    for (const server of started.splice(0)) server.kill('SIGKILL');
  });

  const natsServer = async (port: number): Promise<ChildProcess> => {
    const server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    started.push(server);
    let said = '';
    server.stderr?.on('data', (data: Buffer) => (said += data.toString()));
    const deadline = Date.now() + 5000;
    while (!said.includes('Server is ready')) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`nats-server did not start: ${said}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return server;
  };

  it('tells each loss and return of the connection, naming the server', async () => {
    const port = await freePort();
    let server = await natsServer(port);
    const changes: Array<{ type: string; server: string }> = [];
    const bus = new NatsBus({
      url: `nats://mcpd:secret@127.0.0.1:${port}`,
      subjectPrefix: `t${randomBytes(4).toString('hex')}`,
      replicaId: 'r1',
      requestTimeoutMs: 2000,
      onError: () => undefined,
      onConnection: (change) => changes.push(change),
    });
    await bus.start(new Received());
    try {
      server.kill('SIGKILL');
      await eventually(() => changes.length === 1);
      expect(changes).toEqual([{ type: 'disconnect', server: `127.0.0.1:${port}` }]);
      server = await natsServer(port);
      await eventually(() => changes.length === 2);
      expect(changes[1]).toEqual({ type: 'reconnect', server: `127.0.0.1:${port}` });
    } finally {
      // A drain after a failed check may find NATS gone: the check's failure is the one to see.
      await bus.close().catch(() => undefined);
      server.kill('SIGKILL');
    }
  });
});
