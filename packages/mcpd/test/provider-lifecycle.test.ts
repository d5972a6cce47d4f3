import { llms } from '@mcpctl/db';
import { errorBodySchema } from '@mcpctl/protocol';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@mcpctl/clock/manual';
import { eventually } from './support/eventually.js';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

const provider = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'openai', model: 'qwen3-8b', ...extra });

describe.each(testDatabaseVariants())('provider sessions and lifecycle on $name', (variant) => {
  let mcpd: TestServer;
  let clock: ManualClock;
  let alice: string;
  let bob: string;
  let carol: string;
  const streams: ProviderStream[] = [];

  beforeEach(async () => {
    clock = new ManualClock();
    mcpd = await startTestServer({ database: await variant.open(), clock, cacheMs: 0 });
    const { db } = mcpd.server.services.database;
    alice = await addUser(db, 'alice');
    bob = await addUser(db, 'bob');
    carol = await addUser(db, 'carol', { admin: true });
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  const register = (token: string, body: Record<string, unknown>) =>
    mcpd.api('/api/v1/llms/_provider-register', { token, json: body });
  const registerOk = async (token: string, body: Record<string, unknown>) => {
    const response = await register(token, body);
    expect(response.status).toBe(201);
    return (await response.json()) as { providerSessionId: string; llms: Array<Record<string, unknown>>; agents: unknown[] };
  };
  const row = async (name: string) => (await (await mcpd.api(`/api/v1/llms/${name}`)).json()) as Record<string, unknown>;
  const openStream = async (token: string, sessionId: string) => {
    const stream = await ProviderStream.open(mcpd.url, token, sessionId);
    streams.push(stream);
    return stream;
  };
  const gc = () => mcpd.server.services.gc.runOnce();

  it('creates private virtual rows owned by the caller and issues a session id', async () => {
    const answer = await registerOk(alice, { providers: [provider('qwen-alice', { poolName: 'qwen', maxConcurrent: 2 })] });
    expect(answer.providerSessionId).toMatch(/^ps_[A-Za-z0-9_-]{22,}$/);
    expect(answer.agents).toEqual([]);
    expect(answer.llms[0]).toMatchObject({ name: 'qwen-alice', kind: 'virtual', status: 'active', visibility: 'private', owner: 'alice', url: null, poolName: 'qwen', maxConcurrent: 2 });
    // The session is named by a short reference, never by its secret id.
    expect(answer.llms[0]!.providerSession).toEqual({ ref: expect.stringMatching(/^[0-9a-f]{12}$/), connected: false, transport: null });
    expect(JSON.stringify(answer.llms)).not.toContain(answer.providerSessionId);
    expect((await mcpd.api('/api/v1/llms/qwen-alice', { token: bob })).status).toBe(404);
  });

  it('refuses to publish over a public LLM, atomically', async () => {
    await mcpd.api('/api/v1/llms', { json: { name: 'gpt', type: 'openai', model: 'm', url: 'http://127.0.0.1:9/v1' } });
    const response = await register(alice, { providers: [provider('fresh'), provider('gpt')] });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: 'Cannot publish over public LLM: gpt' });
    expect((await mcpd.api('/api/v1/llms/fresh')).status).toBe(404);
    expect((await row('gpt')).kind).toBe('public');
  });

  it('updates rows of the same session in place and keeps a visibility the owner changed', async () => {
    const first = await registerOk(alice, { providers: [provider('qwen-alice')] });
    const id = first.llms[0]!.id;
    await mcpd.api('/api/v1/llms/qwen-alice', { method: 'PUT', token: alice, json: { visibility: 'public' } });
    const again = await registerOk(alice, { providerSessionId: first.providerSessionId, providers: [provider('qwen-alice', { model: 'qwen3-14b', visibility: 'private' })] });
    expect(again.providerSessionId).toBe(first.providerSessionId);
    expect(again.llms[0]).toMatchObject({ id, model: 'qwen3-14b', visibility: 'public' });
  });

  it('deletes rows of the session missing from a new payload', async () => {
    const first = await registerOk(alice, { providers: [provider('one'), provider('two')] });
    await registerOk(alice, { providerSessionId: first.providerSessionId, providers: [provider('two')] });
    expect((await mcpd.api('/api/v1/llms/one')).status).toBe(404);
    expect((await row('two')).status).toBe('active');
  });

  it('refuses a name held by another session that is still active', async () => {
    await registerOk(alice, { providers: [provider('shared')] });
    const other = await register(alice, { providers: [provider('shared')] });
    expect(other.status).toBe(409);
    expect((await register(bob, { providers: [provider('shared')] })).status).toBe(409);
  });

  it("tells a publisher whose name another user publishes to publish under another name, not to wait", async () => {
    await registerOk(alice, { providers: [{ ...provider('qwen-alice'), visibility: 'public' }] });
    const taken = await register(bob, { providers: [provider('qwen-alice')] });
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as { error: string }).error).toBe(
      "LLM qwen-alice is published by another user; publish yours under another name (publishName, or publishNameSuffix, in mcplocal's config)",
    );
  });

  it('lets the owner or an admin adopt an inactive row, and nobody else', async () => {
    const first = await registerOk(alice, { providers: [provider('sticky')] });
    const stream = await openStream(alice, first.providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    stream.close();
    await eventually(async () => (await row('sticky')).status === 'inactive');
    const id = (await row('sticky')).id;

    const byBob = await register(bob, { providers: [provider('sticky')] });
    expect(byBob.status).toBe(409);
    expect((await row('sticky')).owner).toBe('alice');

    const adopted = await registerOk(alice, { providers: [provider('sticky')] });
    expect(adopted.providerSessionId).not.toBe(first.providerSessionId);
    expect(adopted.llms[0]).toMatchObject({ id, status: 'active', owner: 'alice' });

    const second = await openStream(alice, adopted.providerSessionId);
    await second.waitFor((s) => s.events.length > 0);
    second.close();
    await eventually(async () => (await row('sticky')).status === 'inactive');
    const byAdmin = await registerOk(carol, { providers: [provider('sticky')] });
    expect(byAdmin.llms[0]).toMatchObject({ id, status: 'active' });
  });

  it('reuses a presented session id only when it belongs to the caller', async () => {
    const mine = await registerOk(alice, { providers: [provider('a1')] });
    const stolen = await registerOk(bob, { providerSessionId: mine.providerSessionId, providers: [provider('b1')] });
    expect(stolen.providerSessionId).not.toBe(mine.providerSessionId);
    expect((await row('a1')).status).toBe('active');
  });

  it.each([
    ['duplicate names', { providers: [provider('dup'), provider('dup')] }, /appears twice/],
    ['a name that is not a DNS label', { providers: [provider('Bad_Name')] }, /providers\.0\.name/],
    ['an unknown type', { providers: [provider('x', { type: 'mistral' })] }, /type/],
    ['no providers list', {}, /providers/],
  ])('answers 400 for %s and changes nothing', async (_case, body, pattern) => {
    const response = await register(alice, body);
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error).toMatch(pattern);
    expect(await (await mcpd.api('/api/v1/llms')).json()).toEqual([]);
  });

  it('greets a stream with hello, and refuses unknown or foreign sessions with 404', async () => {
    const { providerSessionId } = await registerOk(alice, { providers: [provider('q')] });
    const stream = await openStream(alice, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    expect(stream.events[0]).toEqual({ event: 'hello', data: JSON.stringify({ providerSessionId }) });
    expect((await openStream(bob, providerSessionId)).status).toBe(404);
    expect((await openStream(alice, 'ps_does-not-exist')).status).toBe(404);
    expect(stream.closed).toBe(false);
  });

  it('closes the older stream when a newer one opens, and keeps the rows active', async () => {
    const { providerSessionId } = await registerOk(alice, { providers: [provider('q')] });
    const older = await openStream(alice, providerSessionId);
    await older.waitFor((s) => s.events.length > 0);
    const timersWithOneStream = clock.pendingTimers;
    const newer = await openStream(alice, providerSessionId);
    await older.waitFor((s) => s.closed);
    await newer.waitFor((s) => s.events.length > 0);
    // mcpd handled the older stream's close once that stream's pings stopped (the newer's run).
    await eventually(() => clock.pendingTimers === timersWithOneStream);
    expect((await row('q')).status).toBe('active');
    expect(mcpd.server.services.hub.size).toBe(1);
  });

  it('ends a stream when the token it was opened with expires, its rows inactive', async () => {
    const minted = await mcpd.api('/api/v1/tokens', { token: alice, json: { name: 'short', expiresIn: '10s' } });
    expect(minted.status).toBe(201);
    const { token } = (await minted.json()) as { token: string };
    const { providerSessionId } = await registerOk(token, { providers: [provider('q')] });
    const stream = await openStream(token, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    clock.advance(9_000);
    expect(stream.closed).toBe(false);
    clock.advance(1_001);
    await eventually(() => stream.closed);
    await eventually(async () => (await row('q')).status === 'inactive');
  });

  it("ends the stream of a public pool member whose pool grant is withdrawn, and refuses to open it again with the register's reason", async () => {
    const grant = await mcpd.api('/api/v1/rolebindings', {
      token: carol,
      json: { name: 'alice-teampool', subjectKind: 'user', subjectName: 'alice', permissions: ['create:llms:virtual'], resourceNames: ['teampool'] },
    });
    expect(grant.status).toBe(201);
    const { providerSessionId } = await registerOk(alice, { providers: [provider('q', { poolName: 'teampool', visibility: 'public' }), provider('mine')] });
    const stream = await openStream(alice, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    // A change that takes nothing away leaves it open.
    expect((await mcpd.api('/api/v1/rolebindings', { token: carol, json: { name: 'alice-view', subjectKind: 'user', subjectName: 'alice', permissions: ['view:audit'] } })).status).toBe(201);
    expect((await mcpd.api('/api/v1/rolebindings/alice-teampool', { token: carol, method: 'DELETE' })).status).toBe(204);
    await eventually(() => stream.closed);
    await eventually(async () => (await row('q')).status === 'inactive');
    const again = await openStream(alice, providerSessionId);
    expect(again.status).toBe(403);
    expect(errorBodySchema.parse(JSON.parse(again.refusal ?? '{}')).error).toBe(
      'LLM q joins pool teampool as a public member, which needs a create:llms grant naming teampool (or keep it private)',
    );
    expect((await register(alice, { providerSessionId, providers: [provider('q', { poolName: 'teampool' }), provider('mine')] })).status).toBe(403);
  });

  it('ends the streams of a publisher whose role no longer lets it publish', async () => {
    const { providerSessionId } = await registerOk(alice, { providers: [provider('q')] });
    const stream = await openStream(alice, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    const other = await registerOk(bob, { providers: [provider('b')] });
    const bobs = await openStream(bob, other.providerSessionId);
    await bobs.waitFor((s) => s.events.length > 0);
    expect((await mcpd.api('/api/v1/users/alice', { token: carol, method: 'PUT', json: { role: 'viewer' } })).status).toBe(200);
    await eventually(() => stream.closed);
    expect(bobs.closed).toBe(false);
    expect((await openStream(alice, providerSessionId)).status).toBe(403);
  });

  it('flips rows inactive at once when the stream closes; a heartbeat alone keeps them inactive, a stream revives them', async () => {
    const { providerSessionId } = await registerOk(alice, { providers: [provider('q')] });
    const stream = await openStream(alice, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    clock.advance(5000);
    stream.close();
    await eventually(async () => (await row('q')).status === 'inactive');
    const closedAt = clock.now().toISOString();
    expect((await row('q')).inactiveSince).toBe(closedAt);

    // Status is the truth: without a stream the publisher cannot be reached, heartbeat or not.
    clock.advance(1000);
    const heartbeat = await mcpd.api('/api/v1/llms/_provider-heartbeat', { token: alice, json: { providerSessionId } });
    expect(heartbeat.status).toBe(200);
    expect(await row('q')).toMatchObject({ status: 'inactive', inactiveSince: closedAt, lastHeartbeatAt: clock.now().toISOString() });

    clock.advance(1000);
    const back = await openStream(alice, providerSessionId);
    await back.waitFor((s) => s.events.length > 0);
    await eventually(async () => (await row('q')).status === 'active');
    expect(await row('q')).toMatchObject({ status: 'active', inactiveSince: null, lastHeartbeatAt: clock.now().toISOString() });
  });

  it('refuses a heartbeat for an unknown or foreign session with 404', async () => {
    const { providerSessionId } = await registerOk(alice, { providers: [provider('q')] });
    expect((await mcpd.api('/api/v1/llms/_provider-heartbeat', { token: bob, json: { providerSessionId } })).status).toBe(404);
    expect((await mcpd.api('/api/v1/llms/_provider-heartbeat', { token: alice, json: { providerSessionId: 'ps_nope' } })).status).toBe(404);
    expect((await mcpd.api('/api/v1/llms/_provider-heartbeat', { token: alice, json: {} })).status).toBe(400);
  });

  it('GC flips silent rows inactive after 90 s and ends their stream, deletes them after 4 h, and is idempotent', async () => {
    const { providerSessionId } = await registerOk(alice, { providers: [provider('q')] });
    const stream = await openStream(alice, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    clock.advance(89_000);
    expect(await gc()).toMatchObject({ markedInactive: 0, disconnected: 0, deleted: 0 });
    clock.advance(2_000);
    expect(await gc()).toMatchObject({ markedInactive: 1, disconnected: 1, deleted: 0 });
    await stream.waitFor((s) => s.closed);
    expect(await gc()).toMatchObject({ markedInactive: 0, deleted: 0 });
    expect(await row('q')).toMatchObject({ status: 'inactive', inactiveSince: clock.now().toISOString() });

    clock.advance(4 * 60 * 60 * 1000 - 1000);
    expect(await gc()).toMatchObject({ deleted: 0 });
    clock.advance(2000);
    expect(await gc()).toMatchObject({ deleted: 1, sessionsDeleted: 1 });
    expect(await gc()).toEqual({ markedInactive: 0, disconnected: 0, deleted: 0, sessionsDeleted: 0, tokensDeleted: 0, swept: true });
    expect((await mcpd.api('/api/v1/llms/q')).status).toBe(404);
    const heartbeat = await mcpd.api('/api/v1/llms/_provider-heartbeat', { token: alice, json: { providerSessionId } });
    expect(heartbeat.status).toBe(404);
    expect(await mcpd.server.services.database.db.select().from(llms)).toEqual([]);
  });

  it('keeps the rows of an open stream alive through GC while it heartbeats', async () => {
    const { providerSessionId } = await registerOk(alice, { providers: [provider('q')] });
    const stream = await openStream(alice, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    for (let beat = 0; beat < 5; beat += 1) {
      clock.advance(30_000);
      await mcpd.api('/api/v1/llms/_provider-heartbeat', { token: alice, json: { providerSessionId } });
      expect(await gc()).toMatchObject({ markedInactive: 0, disconnected: 0 });
    }
    expect((await row('q')).status).toBe('active');
  });

  it('takes the rows of a session whose stream never opened inactive 45 s after it registered, heartbeats or not; the stream revives them', async () => {
    const { providerSessionId } = await registerOk(alice, {
      providers: [provider('q'), provider('sleepy', { initialStatus: 'hibernating' })],
      agents: [{ name: 'helper', llmName: 'q' }],
    });
    const agent = async () => (await (await mcpd.api('/api/v1/agents/helper')).json()) as Record<string, unknown>;
    clock.advance(44_000);
    await mcpd.api('/api/v1/llms/_provider-heartbeat', { token: alice, json: { providerSessionId } });
    expect(await gc()).toMatchObject({ markedInactive: 0 });
    expect((await row('q')).status).toBe('active');

    clock.advance(2_000);
    await mcpd.api('/api/v1/llms/_provider-heartbeat', { token: alice, json: { providerSessionId } });
    expect(await gc()).toMatchObject({ markedInactive: 2, disconnected: 0 });
    const flippedAt = clock.now().toISOString();
    expect(await row('q')).toMatchObject({ status: 'inactive', inactiveSince: flippedAt });
    expect(await row('sleepy')).toMatchObject({ status: 'inactive', inactiveSince: flippedAt });
    expect(await agent()).toMatchObject({ status: 'inactive' });
    expect(await gc()).toMatchObject({ markedInactive: 0 });

    clock.advance(1_000);
    const stream = await openStream(alice, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    await eventually(async () => (await row('q')).status === 'active');
    expect(await row('q')).toMatchObject({ status: 'active', inactiveSince: null });
    expect(await agent()).toMatchObject({ status: 'active' });
    // Held now: as old as its rows get, GC leaves them to the heartbeat timeout.
    clock.advance(60_000);
    expect(await gc()).toMatchObject({ markedInactive: 0 });
    expect(await agent()).toMatchObject({ status: 'active' });
  });

  it('takes the agents of a session that publishes only agents inactive the same way', async () => {
    await registerOk(alice, { providers: [provider('q')] });
    const { providerSessionId } = await registerOk(alice, { providers: [], agents: [{ name: 'helper-only', llmName: 'q' }] });
    const agent = async () => (await (await mcpd.api('/api/v1/agents/helper-only')).json()) as Record<string, unknown>;
    expect(await agent()).toMatchObject({ status: 'active' });
    clock.advance(46_000);
    await gc();
    expect(await agent()).toMatchObject({ status: 'inactive' });
    const stream = await openStream(alice, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    await eventually(async () => (await agent()).status === 'active');
  });
});
