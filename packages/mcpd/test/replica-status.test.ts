import { randomBytes } from 'node:crypto';
import type { DatabaseHandle } from '@mcpctl/db';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawRows } from '../src/repositories/raw-rows.js';
import { eventually } from './support/eventually.js';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

const NATS_URL = process.env.MCPCTL_TEST_NATS_URL;

/*
 * Status truth among replicas (SPEC §12 §8), two mcpd replicas in this process on one database
 * and the real NATS: who holds a session's connection, what a release racing a claim does, and
 * what the sweep of a dead replica takes with it.
 */
describe.skipIf(!NATS_URL).each(testDatabaseVariants())('replica status on $name (MCPCTL_TEST_NATS_URL)', (variant) => {
  let database: DatabaseHandle;
  let a: TestServer;
  let b: TestServer;
  let alice: string;
  let sessionId: string;
  const streams: ProviderStream[] = [];

  beforeEach(async () => {
    database = await variant.open();
    // The database handle is given; DATABASE_URL only satisfies the rule that replicas share PostgreSQL.
    const env = { DATABASE_URL: 'postgres://given-handle/unused', MCPD_NATS_URL: NATS_URL!, MCPD_NATS_SUBJECT_PREFIX: `mcpctl-test-${randomBytes(6).toString('hex')}` };
    // Rounds of liveness far apart: the tests sweep by hand, and a round of its own would race them.
    const presenceTiming = { beatMs: 60 * 60 * 1000, staleMs: 10_000 };
    a = await startTestServer({ database, env, cacheMs: 0, presenceTiming });
    b = await startTestServer({ database, env, cacheMs: 0, presenceTiming });
    alice = await addUser(database.db, 'alice');
    const registered = await a.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providers: [{ name: 'local', type: 'openai', model: 'qwen3' }], agents: [{ name: 'helper', llmName: 'local' }] },
    });
    sessionId = ((await registered.json()) as { providerSessionId: string }).providerSessionId;
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await b.close();
    await a.close();
    await database.close();
  });

  const open = async (server: TestServer) => {
    const stream = await ProviderStream.open(server.url, alice, sessionId);
    streams.push(stream);
    await stream.waitFor((s) => s.events.length > 0);
    await server.server.services.providerSessions.settled();
    return stream;
  };
  const replicaOf = (server: TestServer) => server.server.services.bus!.replicaId;
  const rows = <T>(query: ReturnType<typeof sql>): Promise<T[]> => rawRows<T>(database.db, query);
  const holder = async () => (await rows<{ replica_id: string | null }>(sql`select replica_id from provider_sessions where id = ${sessionId}`))[0]?.replica_id;
  const status = async (path: string) => ((await (await a.api(path)).json()) as { status: string }).status;

  it('refuses to start a replica without NATS on the database live replicas use, and leaves their rows alone', async () => {
    await open(a);
    const lone = startTestServer({ database, env: { DATABASE_URL: 'postgres://given-handle/unused' }, cacheMs: 0 });
    await expect(lone).rejects.toThrow(
      /^2 other mcpd replicas \(.+, .+\) use this database with NATS between them; start this one with MCPD_NATS_URL as they have, or stop them first/,
    );
    expect(await status('/api/v1/llms/local')).toBe('active');
    expect(await status('/api/v1/agents/helper')).toBe('active');
  });

  it('warns when live replicas do not answer over NATS: a replica started with another subject prefix', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
    const env = { DATABASE_URL: 'postgres://given-handle/unused', MCPD_NATS_URL: NATS_URL!, MCPD_NATS_SUBJECT_PREFIX: `mcpctl-typo-${randomBytes(6).toString('hex')}` };
    const stray = await startTestServer({ database, env, cacheMs: 0, presenceTiming: { beatMs: 60 * 60 * 1000, staleMs: 10_000 }, logger });
    try {
      await eventually(() => warnings.some((line) => String(line.msg).startsWith('other replicas beat in this database but do not answer over NATS')));
      const warning = warnings.find((line) => String(line.msg).startsWith('other replicas beat'))!;
      expect([...(warning.replicas as string[])].sort()).toEqual([replicaOf(a), replicaOf(b)].sort());
      // The replicas that share their bus hear each other: neither of them warned of the other.
      expect(await a.server.services.presence!.unheard()).toEqual([replicaOf(stray)]);
    } finally {
      await stray.close();
    }
  });

  it('names the replica holding the connection; a newer connection on another replica takes the session, the old one closes', async () => {
    const first = await open(a);
    expect(await holder()).toBe(replicaOf(a));
    await open(b);
    expect(await holder()).toBe(replicaOf(b));
    // Every replica describes the session as connected, whichever holds it.
    for (const server of [a, b]) {
      const view = (await (await server.api('/api/v1/llms/local')).json()) as { providerSession: unknown };
      expect(view.providerSession).toMatchObject({ connected: true, transport: 'sse' });
    }
    await eventually(() => first.closed);
    expect(a.server.services.providerSessions.holds(sessionId)).toBe(false);
    // Replaced, not gone: the rows stay as the new holder made them.
    await a.server.services.providerSessions.settled();
    expect(await status('/api/v1/llms/local')).toBe('active');
    expect(await status('/api/v1/agents/helper')).toBe('active');
  });

  it('tells an admin which replicas are alive, which one answered, and which holds a session; a member none of it', async () => {
    await open(a);
    expect(replicaOf(a)).toMatch(/^[a-z0-9-]+$/);
    const asAdmin = async <T>(server: TestServer, path: string, token?: string) => (await (await server.api(path, token === undefined ? {} : { token })).json()) as T;
    type Status = { server: { replica?: string; replicas?: string[] } };
    expect((await asAdmin<Status>(a, '/api/v1/status')).server).toMatchObject({ replica: replicaOf(a), replicas: [replicaOf(a), replicaOf(b)].sort() });
    expect((await asAdmin<Status>(b, '/api/v1/status')).server.replica).toBe(replicaOf(b));
    const mine = (await asAdmin<Status>(a, '/api/v1/status', alice)).server;
    expect(mine.replica).toBeUndefined();
    expect(mine.replicas).toBeUndefined();

    type Session = { owner: string; replica?: string | null };
    // Read through the replica that does not hold it, as through any.
    expect(await asAdmin<Session[]>(b, '/api/v1/provider-sessions')).toEqual([expect.objectContaining({ owner: 'alice', replica: replicaOf(a) })]);
    expect((await asAdmin<Session[]>(b, '/api/v1/provider-sessions', alice))[0]).not.toHaveProperty('replica');

    // A refused request is audited by the replica that answered it.
    const refused = await b.api('/v1/chat/completions', { token: alice, json: { model: 'nothing-here', messages: [{ role: 'user', content: 'hi' }] } });
    expect(refused.status).toBe(404);
    const requestId = refused.headers.get('x-request-id') ?? '';
    type Record = { status: number; replica?: string };
    expect(await asAdmin<Record[]>(b, `/api/v1/audit?requestId=${encodeURIComponent(requestId)}`)).toEqual([expect.objectContaining({ status: 404, replica: replicaOf(b) })]);
    const own = await asAdmin<Record[]>(b, `/api/v1/audit?requestId=${encodeURIComponent(requestId)}`, alice);
    expect(own).toHaveLength(1);
    expect(own[0]).not.toHaveProperty('replica');
  });

  it('leaves the rows to another replica that claimed the session before the old connection closed', async () => {
    const stream = await open(a);
    await database.db.execute(sql`update provider_sessions set replica_id = 'another-replica' where id = ${sessionId}`);
    stream.close();
    await eventually(() => !a.server.services.providerSessions.holds(sessionId));
    await a.server.services.providerSessions.settled();
    expect(await holder()).toBe('another-replica');
    expect(await status('/api/v1/llms/local')).toBe('active');
  });

  it('takes the rows inactive when the holder closes with nobody else holding it', async () => {
    const stream = await open(b);
    stream.close();
    await eventually(() => !b.server.services.providerSessions.holds(sessionId));
    await b.server.services.providerSessions.settled();
    expect(await holder()).toBeNull();
    expect(await status('/api/v1/llms/local')).toBe('inactive');
    expect(await status('/api/v1/agents/helper')).toBe('inactive');
    const view = (await (await a.api('/api/v1/llms/local')).json()) as { providerSession: unknown };
    expect(view.providerSession).toMatchObject({ connected: false, transport: null });
  });

  it('takes the rows of a session nobody holds inactive once past the stream grace, and leaves those another replica holds', async () => {
    const age = async () => {
      await rows(sql`update llms set updated_at = now() - interval '1 hour' where provider_session_id = ${sessionId}`);
      await rows(sql`update agents set updated_at = now() - interval '1 hour' where provider_session_id = ${sessionId}`);
    };
    await age();
    expect(await b.server.services.gc.runOnce()).toMatchObject({ markedInactive: 1, swept: true });
    expect(await status('/api/v1/llms/local')).toBe('inactive');
    expect(await status('/api/v1/agents/helper')).toBe('inactive');

    await open(a);
    expect(await status('/api/v1/llms/local')).toBe('active');
    await age();
    // b holds nothing itself: the session's row says a holds it.
    expect(await b.server.services.gc.runOnce()).toMatchObject({ markedInactive: 0, swept: true });
    expect(await status('/api/v1/llms/local')).toBe('active');
    expect(await status('/api/v1/agents/helper')).toBe('active');
  });

  it('sweeps a replica that stopped beating: its sessions released, their rows inactive, tasks sent through it failed everywhere', async () => {
    await database.db.execute(sql`insert into mcpd_replicas (id, started_at, heartbeat_at) values ('dead-replica', now() - interval '1 minute', now() - interval '1 minute')`);
    await database.db.execute(sql`update provider_sessions set replica_id = 'dead-replica' where id = ${sessionId}`);
    const failed: string[] = [];
    const sink = { results: () => undefined, publisherGone: () => void failed.push('through the dead replica') };
    const { tasks } = b.server.services;
    const taskId = tasks.open(sessionId, 'alice', sink);
    tasks.deliveredVia(taskId, 'dead-replica');
    const elsewhere = tasks.open(sessionId, 'alice', { results: () => undefined, publisherGone: () => void failed.push('through a live replica') });
    tasks.deliveredVia(elsewhere, replicaOf(a));

    expect(await a.server.services.presence!.sweep()).toEqual([sessionId]);
    expect(await holder()).toBeNull();
    expect(await status('/api/v1/llms/local')).toBe('inactive');
    expect(await status('/api/v1/agents/helper')).toBe('inactive');
    const live = await rows<{ id: string }>(sql`select id from mcpd_replicas order by id`);
    expect(live.map((row) => row.id).sort()).toEqual([replicaOf(a), replicaOf(b)].sort());
    // The other replica hears it over the bus: only the task that went through the dead replica fails.
    await eventually(() => failed.length > 0);
    expect(failed).toEqual(['through the dead replica']);
    tasks.finish(elsewhere);
    // A second sweep finds nothing more.
    expect(await b.server.services.presence!.sweep()).toEqual([]);
  });

  it('counts what a user holds on every replica against the per-user caps, within 2 s', async () => {
    const cap = a.server.services.limits.inference;
    const releases = Array.from({ length: cap.max }, () => cap.acquire('user-everywhere')!);
    const startedAt = Date.now();
    // Replica b hears what a holds and refuses the user's next request there too.
    await eventually(() => {
      const release = b.server.services.limits.inference.acquire('user-everywhere');
      release?.();
      return release === undefined;
    });
    expect(Date.now() - startedAt).toBeLessThan(2_500);
    expect(b.server.services.limits.inference.acquire('someone-else')).toBeDefined();
    for (const release of releases) release();
    await eventually(() => {
      const release = b.server.services.limits.inference.acquire('user-everywhere');
      release?.();
      return release !== undefined;
    });
  });

  it('ends a connection held on one replica when its token is revoked through another, at once', async () => {
    const stream = await open(b);
    const revoked = await a.api('/api/v1/tokens/test', { method: 'DELETE', token: alice });
    expect(revoked.status).toBeLessThan(300);
    await eventually(() => stream.closed);
    await eventually(() => !b.server.services.providerSessions.holds(sessionId));
    await b.server.services.providerSessions.settled();
    expect(await status('/api/v1/llms/local')).toBe('inactive');
  });

  it('ends a connection held on one replica when its user is deleted through another', async () => {
    const stream = await open(b);
    expect((await a.api('/api/v1/users/alice', { method: 'DELETE' })).status).toBeLessThan(300);
    await eventually(() => stream.closed);
    await eventually(() => !b.server.services.providerSessions.holds(sessionId));
  });

  it("claims its own sessions again when its liveness row was swept while it lived", async () => {
    await open(a);
    await database.db.execute(sql`delete from mcpd_replicas where id = ${replicaOf(a)}`);
    // Another replica sweeps first: the claim goes, but the connection is still here.
    expect(await b.server.services.presence!.sweep()).toEqual([sessionId]);
    expect(await holder()).toBeNull();
    expect(await a.server.services.providerSessions.reclaim()).toEqual([sessionId]);
    expect(await holder()).toBe(replicaOf(a));
    expect(await status('/api/v1/llms/local')).toBe('active');
  });
});
