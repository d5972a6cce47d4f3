import { ManualClock } from '@mcpctl/clock/manual';
import type { LiveEventData, LiveEventName } from '@mcpctl/protocol';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIVE_TICK_MS } from '../src/services/live-state.js';
import { EventReader } from './support/event-reader.js';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const [embedded] = testDatabaseVariants();

describe('live events for the dashboard', () => {
  let mcpd: TestServer;
  let clock: ManualClock;
  const readers: EventReader[] = [];

  beforeEach(async () => {
    clock = new ManualClock();
    mcpd = await startTestServer({ database: await embedded!.open(), clock });
  });

  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  /** The next matching event, moving the clock a tick at a time: the change may reach mcpd after any one move. */
  const advanceUntil = async <Name extends LiveEventName>(reader: EventReader, event: Name, check: (data: LiveEventData[Name]) => boolean, from: number) => {
    for (let tick = 0; tick < 50; tick += 1) {
      clock.advance(LIVE_TICK_MS);
      const found = await reader.next(event, check, from, 100).catch(() => undefined);
      if (found) return found;
    }
    return reader.next(event, check, from, 0);
  };

  const open = async (token = mcpd.token) => {
    const reader = await EventReader.open(mcpd.url, token);
    readers.push(reader);
    return reader;
  };
  const userToken = async (name: string) => {
    expect((await mcpd.api('/api/v1/users', { json: { name } })).status).toBe(201);
    return ((await (await mcpd.api('/api/v1/tokens', { json: { user: name } })).json()) as { token: string }).token;
  };

  it('sends all four lists at once, then a row as it appears, changes and disappears', async () => {
    const reader = await open();
    expect(await reader.next('llms')).toEqual([]);
    await Promise.all([reader.next('pools'), reader.next('agents'), reader.next('sessions')]);

    const from = reader.events.length;
    expect((await mcpd.api('/api/v1/llms', { json: { name: 'team-qwen', type: 'openai', model: 'm', url: 'http://192.0.2.10:8000', visibility: 'public', poolName: 'qwen' } })).status).toBe(201);
    const added = await advanceUntil(reader, 'llms', (llms) => llms.length === 1, from);
    expect(added[0]).toMatchObject({ name: 'team-qwen', status: 'active', poolName: 'qwen', inFlight: 0, queued: 0 });
    expect(await reader.next('pools', (pools) => pools.length === 1, from)).toEqual([expect.objectContaining({ name: 'qwen', members: ['team-qwen'], active: 1 })]);

    expect((await mcpd.api('/api/v1/llms/team-qwen', { method: 'PUT', json: { description: 'Qwen on the rack' } })).status).toBe(200);
    await advanceUntil(reader, 'llms', (llms) => llms[0]?.description === 'Qwen on the rack', from);

    expect((await mcpd.api('/api/v1/llms/team-qwen', { method: 'DELETE' })).status).toBe(204);
    await advanceUntil(reader, 'llms', (llms) => llms.length === 0, from);
  });

  it('shows a workstation going offline, and its session to an admin with its owner and connection time', async () => {
    const alice = await userToken('alice');
    const register = await mcpd.api('/api/v1/llms/_provider-register', { token: alice, json: { providers: [{ name: 'alice-qwen', type: 'openai', model: 'm', visibility: 'public' }] } });
    expect(register.status).toBe(201);
    const { providerSessionId } = (await register.json()) as { providerSessionId: string };
    const stream = await ProviderStream.open(mcpd.url, alice, providerSessionId);
    const admin = await open();
    const sessions = await admin.next('sessions', (list) => list.some((session) => session.connected));
    expect(sessions).toEqual([
      expect.objectContaining({ owner: 'alice', connected: true, transport: 'sse', connectedAt: clock.now().toISOString(), llms: ['alice-qwen'] }),
    ]);
    expect((await admin.next('llms', (llms) => llms.length === 1))[0]).toMatchObject({ name: 'alice-qwen', status: 'active' });

    const from = admin.events.length;
    stream.close();
    await advanceUntil(admin, 'llms', (llms) => llms[0]?.status === 'inactive', from);
    await advanceUntil(admin, 'sessions', (list) => list[0]?.connected === false && list[0].connectedAt === null, from);
  });

  it("keeps a member to what it may see: no other member's private rows, its own sessions only", async () => {
    const alice = await userToken('alice');
    const bob = await userToken('bob');
    const register = await mcpd.api('/api/v1/llms/_provider-register', { token: alice, json: { providers: [{ name: 'alice-private', type: 'openai', model: 'm' }] } });
    expect(register.status).toBe(201);
    const bobs = await open(bob);
    const alices = await open(alice);
    expect((await alices.next('llms')).map((llm) => llm.name)).toEqual(['alice-private']);
    expect(await alices.next('sessions')).toHaveLength(1);
    expect(await bobs.next('llms')).toEqual([]);
    expect(await bobs.next('sessions')).toEqual([]);
  });

  it("says of each LLM and agent whether the caller may run it, and says it again when the caller's grants change", async () => {
    expect((await mcpd.api('/api/v1/llms', { json: { name: 'team-qwen', type: 'openai', model: 'm', url: 'http://192.0.2.10:8000', visibility: 'public' } })).status).toBe(201);
    expect((await mcpd.api('/api/v1/agents', { json: { name: 'reviewer', llm: 'team-qwen', visibility: 'public' } })).status).toBe(201);
    expect((await mcpd.api('/api/v1/users', { json: { name: 'vera', role: 'viewer' } })).status).toBe(201);
    const vera = ((await (await mcpd.api('/api/v1/tokens', { json: { user: 'vera' } })).json()) as { token: string }).token;
    const viewer = await open(vera);
    expect(await viewer.next('llms')).toEqual([expect.objectContaining({ name: 'team-qwen', mayRun: false })]);
    expect(await viewer.next('agents')).toEqual([expect.objectContaining({ name: 'reviewer', mayRun: false })]);
    expect((await (await open()).next('llms'))[0]).toMatchObject({ name: 'team-qwen', mayRun: true });

    const from = viewer.events.length;
    const binding = { name: 'vera-runs', subjectKind: 'user', subjectName: 'vera', permissions: ['run:llms', 'run:agents'], resourceNames: ['team-qwen', 'reviewer'] };
    expect((await mcpd.api('/api/v1/rolebindings', { json: binding })).status).toBe(201);
    await advanceUntil(viewer, 'llms', (llms) => llms[0]?.mayRun === true, from);
    expect(await viewer.next('agents', (agents) => agents[0]?.mayRun === true, from)).toHaveLength(1);
  });

  it("sends the caller's role and grants, and sends them again when a role change leaves every list as it was", async () => {
    const carl = await userToken('carl');
    const binding = { name: 'carl-views', subjectKind: 'user', subjectName: 'carl', permissions: ['view:llms', 'view:agents'] };
    expect((await mcpd.api('/api/v1/rolebindings', { json: binding })).status).toBe(201);
    expect((await mcpd.api('/api/v1/users/carl', { method: 'PUT', json: { role: 'viewer' } })).status).toBe(200);
    const reader = await open(carl);
    expect(await reader.next('access')).toMatchObject({ name: 'carl', admin: false, role: 'viewer' });
    const from = reader.events.length;
    // The binding already lets carl see what a viewer sees: no list changes with the role.
    expect((await mcpd.api('/api/v1/users/carl', { method: 'PUT', json: { role: null } })).status).toBe(200);
    expect(await advanceUntil(reader, 'access', (access) => access.role === null, from)).toMatchObject({ name: 'carl', role: null, grants: ['view:llms', 'view:agents'] });
    expect(reader.events.slice(from).map((event) => event.event)).not.toContain('llms');
  });

  it('ends the stream of a revoked token, and refuses more streams than a user may hold', async () => {
    const created = (await (await mcpd.api('/api/v1/tokens', { json: { user: 'admin', name: 'dashboard' } })).json()) as { id: string; token: string };
    const reader = await open(created.token);
    await reader.next('llms');
    expect((await mcpd.api(`/api/v1/tokens/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    for (let tick = 0; tick < 50 && !reader.ended; tick += 1) {
      clock.advance(LIVE_TICK_MS);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(reader.ended).toBe(true);

    const held = await Promise.all(Array.from({ length: 8 }, () => open()));
    expect(held.every((open) => open.status === 200)).toBe(true);
    const refused = await fetch(`${mcpd.url}/api/v1/events`, { headers: { authorization: `Bearer ${mcpd.token}` } });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toBe('you already have 8 event streams open; close a dashboard tab');
  });
});
