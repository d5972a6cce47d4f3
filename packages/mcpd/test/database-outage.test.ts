import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@mcpctl/clock/manual';
import { isConnectionFailure, openDatabase, type DatabaseHandle, type NewAuditRecordRow } from '@mcpctl/db';
import { createPostgresTestDatabase, TEST_DATABASE_URL_VARIABLE } from '@mcpctl/test-kit';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRepository } from '../src/repositories/audit-repository.js';
import { AuditWriter } from '../src/services/audit-writer.js';
import { HEARTBEAT_WINDOW_MS } from '../src/services/provider-session-service.js';
import { eventually } from './support/eventually.js';
import { ProviderSocket } from './support/provider-socket.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const serverUrl = process.env[TEST_DATABASE_URL_VARIABLE];
/** node-postgres's own timer, real time: short, so a silent host's test takes seconds, not tens; long enough for a loaded machine's connections. */
const CONNECT_TIMEOUT_MS = 1_500;

/** A TCP path to PostgreSQL that the test can cut and mend, as an outage or a failover does. */
class CuttablePath {
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  /** Connections are taken and never answered, as from a host that drops packets. */
  #silent = false;
  /** Text of a statement that, once sent, cuts the path before it reaches the database. */
  #cutOn: string | undefined;
  #holdOn: { text: string; held: (fail: () => void) => void } | undefined;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.#server = createServer((client) => {
      if (this.#silent) {
        this.#sockets.add(client);
        client.on('close', () => this.#sockets.delete(client));
        client.on('error', () => undefined);
        return;
      }
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('data', (bytes: Buffer) => {
        if (this.#cutOn !== undefined && bytes.includes(this.#cutOn)) {
          this.#cutOn = undefined;
          void this.cut();
          return;
        }
        const hold = this.#holdOn;
        if (hold !== undefined && bytes.includes(hold.text)) {
          this.#holdOn = undefined;
          hold.held(() => client.destroy());
          return;
        }
        upstream.write(bytes);
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** The path is cut the moment a statement holding `text` is sent, which never arrives. */
  cutOnStatement(text: string): void {
    this.#cutOn = text;
  }

  /**
   * The next statement holding `text` is kept from the database: resolves, once it is sent, with
   * a function that breaks the one connection it came on (the others work on).
   */
  holdStatement(text: string): Promise<() => void> {
    return new Promise((resolve) => (this.#holdOn = { text, held: resolve }));
  }

  /** The connections made so far break, and new ones hang: the database's host went silent. */
  silence(): void {
    this.#silent = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Listens again on the same port, or answers again: the database is back where it was. */
  async mend(): Promise<void> {
    if (!this.#silent) return this.open();
    this.#silent = false;
    for (const socket of this.#sockets) socket.destroy();
  }
}

describe.runIf(serverUrl)('PostgreSQL away', () => {
  let mcpd: TestServer;
  let database: DatabaseHandle;
  let path: CuttablePath;
  let drop: () => Promise<void>;
  const errors: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const created = await createPostgresTestDatabase(serverUrl!);
    drop = created.drop;
    const url = new URL(created.url);
    path = new CuttablePath({ host: url.hostname, port: Number(url.port || 5432) });
    await path.open();
    url.hostname = '127.0.0.1';
    url.port = String(path.port);
    database = await openDatabase({ url: url.toString(), maxConnections: 3, connectTimeoutMs: CONNECT_TIMEOUT_MS });
    mcpd = await startTestServer({
      database,
      logger: pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line) as Record<string, unknown>) }),
    });
  }, 60_000);

  afterAll(async () => {
    await mcpd?.close().catch(() => undefined);
    await database?.close().catch(() => undefined);
    await drop?.();
  });

  it('answers 503 with Retry-After saying the database is unreachable, and logs it once, not a stack per request', async () => {
    expect((await mcpd.api('/api/v1/llms')).status).toBe(200);
    await path.cut();
    for (const request of ['/api/v1/llms', '/api/v1/users', '/api/v1/llms']) {
      // A token the cache does not hold, so the request needs the database.
      const answer = await fetch(`${mcpd.url}${request}`, { headers: { authorization: 'Bearer mcpctl_not-cached-0123456789abcdefghij' } });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(await answer.json()).toEqual({ error: 'the database is unreachable; try again shortly' });
    }
    // The lone-process lock says its own piece about the lost connection; requests add one line, not one each.
    const outage = errors.filter((line) => line.msg === 'the database is unreachable: requests get 503 until it answers again; check that PostgreSQL runs and DATABASE_URL reaches it');
    expect(outage).toHaveLength(1);
    expect(String(outage[0]?.reason)).toMatch(/ECONNREFUSED|Connection terminated|no connection to the database/);
    expect(errors.filter((line) => line.msg === 'request failed')).toEqual([]);
    await path.mend();
    await eventually(async () => (await mcpd.api('/api/v1/llms')).status === 200);
  });

  it('answers 503 within the connect timeout when the host goes silent, not after the kernel gives up', async () => {
    expect((await mcpd.api('/api/v1/llms')).status).toBe(200);
    path.silence();
    // The first may still find a pooled connection the silence broke; the rest need new ones, which hang.
    for (const attempt of [1, 2, 3]) {
      const startedAt = performance.now();
      const answer = await fetch(`${mcpd.url}/api/v1/llms`, { headers: { authorization: `Bearer mcpctl_not-cached-silent-${attempt}-0123456789abcdef` } });
      expect(answer.status).toBe(503);
      expect(await answer.json()).toEqual({ error: 'the database is unreachable; try again shortly' });
      // The pool's wait for a connection, not TCP's minutes of retries.
      expect(performance.now() - startedAt).toBeLessThan(CONNECT_TIMEOUT_MS * 8);
    }
    await path.mend();
    await eventually(async () => (await mcpd.api('/api/v1/llms')).status === 200);
  });

  it('says the database is away in its one line, not a line per publisher beat that meets it', async () => {
    const registered = await mcpd.api('/api/v1/llms/_provider-register', { method: 'POST', json: { providers: [{ name: 'beating', type: 'openai', model: 'm' }] } });
    expect(registered.status).toBe(201);
    const { providerSessionId } = (await registered.json()) as { providerSessionId: string };
    const socket = await ProviderSocket.open(mcpd.url, mcpd.token, providerSessionId);
    try {
      expect(socket.status).toBe(101);
      await eventually(async () => ((await (await mcpd.api('/api/v1/llms/beating')).json()) as { providerSession?: { transport?: string } }).providerSession?.transport === 'websocket');
      // The open is over (its rows brought back) before the database goes.
      await mcpd.server.services.providerSessions.settled();
      await socket.sync();
      await path.cut();
      const linesBefore = errors.length;
      for (let beat = 0; beat < 3; beat += 1) {
        socket.send({ type: 'heartbeat' });
        // Each beat its own write, a heartbeat window apart, each failing.
        await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_WINDOW_MS * 2));
      }
      await socket.sync();
      const lines = errors.slice(linesBefore);
      expect(lines.filter((line) => line.msg === 'a heartbeat on a provider socket failed')).toEqual([]);
      // The outage's own line, unless the test before said it less than 10 s ago.
      expect(lines.filter((line) => String(line.msg).startsWith('the database is unreachable')).length).toBeLessThanOrEqual(1);
      expect(lines.map((line) => line.msg)).toEqual(lines.filter((line) => String(line.msg).startsWith('the database is unreachable')).map((line) => line.msg));
    } finally {
      socket.close();
      await path.mend();
    }
  });

  it('ends the connection of a publisher whose session could not be opened, so the next one opens it whole', async () => {
    const registered = await mcpd.api('/api/v1/llms/_provider-register', { method: 'POST', json: { providers: [{ name: 'opening', type: 'openai', model: 'm' }] } });
    const { providerSessionId } = (await registered.json()) as { providerSessionId: string };
    // The checks before the upgrade pass; bringing the rows back is where the database goes.
    path.cutOnStatement('update "llms" set "last_heartbeat_at"');
    const linesBefore = errors.length;
    const socket = await ProviderSocket.open(mcpd.url, mcpd.token, providerSessionId);
    expect(socket.status).toBe(101);
    // 1001 going away, as a drain ends it: mcplocal connects again.
    expect(await socket.waitForClose()).toBe(1001);
    expect(socket.closeReason).toBe('mcpd could not open the session; connect again shortly');
    // Fastify's line for a promise that failed after its reply was taken over is not among them.
    expect(errors.slice(linesBefore).map((line) => line.msg)).not.toContain('Promise errored, but reply.sent = true was set');
    await path.mend();
    const again = await ProviderSocket.open(mcpd.url, mcpd.token, providerSessionId);
    try {
      expect(again.status).toBe(101);
      await eventually(async () => ((await (await mcpd.api('/api/v1/llms/opening')).json()) as { status?: string }).status === 'active');
      await again.sync();
      expect(again.closed).toBe(false);
    } finally {
      again.close();
    }
  });

  it('leaves alone a newer connection of the session when an older one could not open it', async () => {
    const registered = await mcpd.api('/api/v1/llms/_provider-register', { method: 'POST', json: { providers: [{ name: 'racing', type: 'openai', model: 'm' }] } });
    const { providerSessionId } = (await registered.json()) as { providerSessionId: string };
    const held = path.holdStatement('update "llms" set "last_heartbeat_at"');
    const older = await ProviderSocket.open(mcpd.url, mcpd.token, providerSessionId);
    const failOlder = await held;
    // The publisher tries again while the first open waits on the database: the newer replaces it.
    const newer = await ProviderSocket.open(mcpd.url, mcpd.token, providerSessionId);
    expect(await older.waitForClose()).toBe(4000);
    // The older open fails now; the newer one's, queued behind it, goes on a connection of its own.
    failOlder();
    try {
      await eventually(async () => ((await (await mcpd.api('/api/v1/llms/racing')).json()) as { status?: string }).status === 'active');
      await newer.sync();
      expect(newer.closed).toBe(false);
    } finally {
      newer.close();
    }
  });

  it('says the database is busy, not away, when every connection of the pool stays taken past the connect timeout', async () => {
    // Long statements hold every connection of the pool (3, one of them the lone-process lock's).
    // Drizzle sends a statement when it is awaited: `then` sends each now.
    const sleeping = Array.from({ length: 3 }, () => database.db.execute(sql`select pg_sleep(${(CONNECT_TIMEOUT_MS * 3) / 1000})`).then(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const linesBefore = errors.length;
    try {
      const answer = await fetch(`${mcpd.url}/api/v1/llms`, { headers: { authorization: 'Bearer mcpctl_not-cached-busy-0123456789abcdef' } });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(await answer.json()).toEqual({ error: 'the database is busy: no connection to it came free in time; try again shortly' });
      expect(errors.slice(linesBefore).map((line) => line.msg).filter((msg) => String(msg).startsWith('the database is unreachable'))).toEqual([]);
    } finally {
      await Promise.allSettled(sleeping);
    }
    expect((await mcpd.api('/api/v1/llms')).status).toBe(200);
  });

  it('keeps audit records the database could not take, in order, and stores them once it is back; reports them lost only at close', async () => {
    const clock = new ManualClock();
    const audit = new AuditRepository(database.db, database.copyRows);
    // The real repository, its attempts counted.
    let attempts = 0;
    const insertMany = audit.insertMany.bind(audit);
    audit.insertMany = (rows) => ((attempts += 1), insertMany(rows));
    const held: number[] = [];
    const lost: number[] = [];
    const writer = new AuditWriter(audit, { clock, flushIntervalMs: 60_000, maxBatch: 100, onHeld: (_error, count) => held.push(count), onError: (_error, count) => lost.push(count) });
    await path.cut();
    // Two flushes queued at once: the second goes out after the first's batch is put back, not ahead of it.
    writer.record(auditRecord('first'));
    const flushing = writer.flush();
    writer.record(auditRecord('second'));
    await Promise.all([flushing, writer.flush()]);
    // Said once, counting both (the second came before the first write ran).
    expect(held).toEqual([2]);
    // Past a batch's worth while held: no attempt of its own, the retry's timer decides.
    const more = Array.from({ length: 150 }, (_, index) => `more-${String(index).padStart(3, '0')}`);
    for (const name of more) writer.record(auditRecord(name));
    expect(attempts).toBe(2);
    await path.mend();
    // The retry comes on the writer's clock, 5 s after the last attempt.
    clock.advance(5_000);
    await eventually(async () => (await audit.list({ limit: 200, llmName: 'outage-llm' })).length === 152);
    // Newest first: stored in the order they were recorded.
    expect((await audit.list({ limit: 200, llmName: 'outage-llm' })).map((row) => row.userName).reverse()).toEqual(['first', 'second', ...more]);
    expect(lost).toEqual([]);

    // Away again, then back with a batch holding a row it refuses: that row alone is lost, and
    // the database having answered, the next outage is said again.
    await path.cut();
    writer.record(auditRecord('third'));
    await writer.flush();
    writer.record({ ...auditRecord('refused'), status: 2 ** 40 });
    expect(held).toEqual([2, 1]);
    await path.mend();
    clock.advance(5_000);
    await eventually(() => lost.length === 1);
    expect((await audit.list({ limit: 1, llmName: 'outage-llm' })).map((row) => row.userName)).toEqual(['third']);

    await path.cut();
    writer.record(auditRecord('fourth'));
    await writer.close();
    expect(held).toEqual([2, 1, 1]);
    expect(lost).toEqual([1, 1]);
    await path.mend();
  });
});

const auditRecord = (userName: string): NewAuditRecordRow => ({
  at: new Date('2026-03-01T10:00:00.000Z'), userId: null, userName, llmName: 'outage-llm', servedBy: null, endpoint: 'chat.completions', streaming: false,
  status: 200, latencyMs: 1, firstTokenMs: null, queueMs: null, promptTokens: null, completionTokens: null, error: null,
});

describe('a PostgreSQL that never answers', () => {
  it('fails the start within the connect timeout, saying so', async () => {
    // Takes connections and says nothing, as a host behind a firewall that drops packets would.
    const held = new Set<Socket>();
    const silent = createServer((socket) => void held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const startedAt = performance.now();
      const opening = openDatabase({ url: `postgres://postgres@127.0.0.1:${port}/mcpd`, connectTimeoutMs: CONNECT_TIMEOUT_MS });
      const failure: unknown = await opening.then(() => undefined, (error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toBe(`cannot open PostgreSQL at postgres://postgres@127.0.0.1:${port}/mcpd`);
      expect(String((failure as Error).cause)).toMatch(/connection timeout/);
      expect(performance.now() - startedAt).toBeLessThan(CONNECT_TIMEOUT_MS * 8);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('what counts as the database being away', () => {
  it('is a connection error of a query or a transaction, or a server shutting down; not a model server refusing, nor a failed statement', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(isConnectionFailure(new Error('Failed query: select 1\nparams: ', { cause: refused }))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error('connection failure'), { code: '08006' }))).toBe(true);
    // PgBouncer's own word for a server it cannot reach.
    expect(isConnectionFailure(Object.assign(new Error('pgbouncer cannot connect to server'), { code: '08P01' }))).toBe(true);
    expect(isConnectionFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    // A model server's refused connection, bare or wrapped, is the upstream's failure.
    expect(isConnectionFailure(refused)).toBe(false);
    expect(isConnectionFailure(new Error('fetch failed', { cause: refused }))).toBe(false);
    expect(isConnectionFailure(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
  });
});
