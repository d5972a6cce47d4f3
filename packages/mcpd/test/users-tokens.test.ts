import { request as httpRequest, type ClientRequest } from 'node:http';
import { tokens } from '@mcpctl/db';
import { statusViewSchema, tokenCreatedSchema, tokenViewSchema, userViewSchema } from '@mcpctl/protocol';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@mcpctl/clock/manual';
import { ProviderStream } from './support/provider-stream.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { eventually } from './support/eventually.js';

const [embedded] = testDatabaseVariants();

describe('users and tokens', () => {
  const servers: TestServer[] = [];
  const streams: ProviderStream[] = [];
  let clock: ManualClock;

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    const database = servers[0]?.server.services.database;
    for (const server of servers.splice(0)) await server.close();
    await database?.close();
  });

  async function start(env: Record<string, string> = {}, cacheMs = 2000): Promise<TestServer> {
    clock = new ManualClock();
    const server = await startTestServer({ database: await embedded!.open(), clock, cacheMs, env });
    servers.push(server);
    return server;
  }

  /** A second replica over the same database, with its own auth cache and the same clock. */
  async function replica(of: TestServer): Promise<TestServer> {
    const server = await startTestServer({ database: of.server.services.database, clock, cacheMs: 2000 });
    servers.push(server);
    return server;
  }

  async function createUser(mcpd: TestServer, name: string, fields: Record<string, unknown> = {}): Promise<string> {
    expect((await mcpd.api('/api/v1/users', { json: { name, ...fields } })).status).toBe(201);
    const created = await mcpd.api('/api/v1/tokens', { json: { user: name, name: 'first' } });
    expect(created.status).toBe(201);
    return tokenCreatedSchema.parse(await created.json()).token;
  }

  const whoAmI = async (mcpd: TestServer, token: string) => {
    const response = await mcpd.api('/api/v1/status', { token });
    return response.status === 200 ? ((await response.json()) as { user: { name: string } }).user.name : response.status;
  };

  it('creates, lists, reads and refuses duplicate users', async () => {
    const mcpd = await start();
    const created = await mcpd.api('/api/v1/users', { json: { name: 'alice', groups: ['ml', 'ml'] } });
    expect(created.status).toBe(201);
    expect(userViewSchema.parse(await created.json())).toMatchObject({ name: 'alice', groups: ['ml'], role: 'member' });
    const again = await mcpd.api('/api/v1/users', { json: { name: 'alice' } });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: 'a user named alice already exists' });
    expect((await mcpd.api('/api/v1/users', { json: { name: 'Not_A_Name' } })).status).toBe(400);
    const names = userViewSchema.array().parse(await (await mcpd.api('/api/v1/users')).json()).map((user) => user.name);
    expect(names).toEqual(['admin', 'alice']);
    const changed = await mcpd.api('/api/v1/users/alice', { method: 'PUT', json: { groups: [], role: 'viewer' } });
    expect(await changed.json()).toMatchObject({ groups: [], role: 'viewer' });
    expect((await mcpd.api('/api/v1/users/nobody')).status).toBe(404);
  });

  it('finds a user and a role binding by the id their lists show, as by name; an id the caller may not see names nobody', async () => {
    const mcpd = await start();
    const bobToken = await createUser(mcpd, 'bob');
    await createUser(mcpd, 'carol');
    const carol = userViewSchema.parse(await (await mcpd.api('/api/v1/users/carol')).json());
    expect(userViewSchema.parse(await (await mcpd.api(`/api/v1/users/${carol.id}`)).json())).toEqual(carol);
    const changed = await mcpd.api(`/api/v1/users/${carol.id}`, { method: 'PUT', json: { groups: ['ml'] } });
    expect(await changed.json()).toMatchObject({ name: 'carol', groups: ['ml'] });
    // A member sees only itself: another's id is not found, in the words of the id it gave.
    const hidden = await mcpd.api(`/api/v1/users/${carol.id}`, { token: bobToken });
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toEqual({ error: `user not found: ${carol.id}` });
    const binding = await mcpd.api('/api/v1/rolebindings', { json: { name: 'carol-runs', subjectKind: 'user', subjectName: 'carol', permissions: ['run:llms'] } });
    expect(binding.status).toBe(201);
    const { id: bindingId } = (await binding.json()) as { id: string };
    expect(await (await mcpd.api(`/api/v1/rolebindings/${bindingId}`)).json()).toMatchObject({ name: 'carol-runs', subjectName: 'carol' });
    expect((await mcpd.api(`/api/v1/rolebindings/${bindingId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await mcpd.api('/api/v1/rolebindings/carol-runs')).status).toBe(404);
    expect((await mcpd.api(`/api/v1/users/${carol.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await mcpd.api('/api/v1/users/carol')).status).toBe(404);
  });

  it('shows a token once, stores only its hash, and never lists it', async () => {
    const mcpd = await start();
    await mcpd.api('/api/v1/users', { json: { name: 'alice' } });
    const response = await mcpd.api('/api/v1/tokens', { json: { user: 'alice', name: 'laptop', expiresIn: '30d' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const created = tokenCreatedSchema.parse(await response.json());
    expect(created).toMatchObject({ name: 'laptop', user: 'alice', expiresAt: new Date(clock.now().getTime() + 30 * 86_400_000).toISOString() });
    // 256 random bits, URL-safe, after the prefix.
    expect(created.token).toMatch(/^mcpctl_[A-Za-z0-9_-]{43}$/);
    expect(await whoAmI(mcpd, created.token)).toBe('alice');

    const rows = await mcpd.server.services.database.db.select().from(tokens);
    expect(JSON.stringify(rows)).not.toContain(created.token);
    const listed = await (await mcpd.api('/api/v1/tokens')).text();
    expect(listed).not.toContain(created.token);
    for (const row of rows) expect(listed).not.toContain(row.tokenHash);
    const views = tokenViewSchema.array().parse(JSON.parse(listed));
    expect(views.map((view) => `${view.user}/${view.name}`)).toEqual(['admin/bootstrap', 'alice/laptop']);
    expect(Object.keys(views[1]!).sort()).toEqual(['createdAt', 'expired', 'expiresAt', 'id', 'name', 'user', 'userId']);

    const duplicate = await mcpd.api('/api/v1/tokens', { json: { user: 'alice', name: 'laptop' } });
    expect(duplicate.status).toBe(409);
    expect((await mcpd.api('/api/v1/tokens', { json: { expiresIn: '30 days' } })).status).toBe(400);
  });

  it('lets a user manage its own tokens only', async () => {
    const mcpd = await start();
    const alice = await createUser(mcpd, 'alice');
    await createUser(mcpd, 'bob');
    const own = await mcpd.api('/api/v1/tokens', { token: alice, json: { name: 'ci', expiresIn: '12h' } });
    expect(own.status).toBe(201);
    const listed = tokenViewSchema.array().parse(await (await mcpd.api('/api/v1/tokens', { token: alice })).json());
    expect(listed.map((view) => `${view.user}/${view.name}`)).toEqual(['alice/ci', 'alice/first']);
    // Said alike for a user who exists and one who does not: the refusal tells nothing of who does.
    for (const user of ['bob', 'admin', 'nobody-at-all']) {
      const forOther = await mcpd.api('/api/v1/tokens', { token: alice, json: { user } });
      expect(forOther.status).toBe(403);
      expect(await forOther.json()).toEqual({ error: `only an admin may create a token for another user (${user})` });
    }
    const bobsToken = tokenViewSchema.array().parse(await (await mcpd.api('/api/v1/tokens')).json()).find((view) => view.user === 'bob')!;
    expect((await mcpd.api(`/api/v1/tokens/${bobsToken.id}`, { method: 'DELETE', token: alice })).status).toBe(404);
    expect((await mcpd.api('/api/v1/tokens/first?user=bob', { method: 'DELETE', token: alice })).status).toBe(404);
    expect((await mcpd.api('/api/v1/tokens/ci', { method: 'DELETE', token: alice })).status).toBe(204);
  });

  it('revokes a token at once on this replica and within the cache TTL on another', async () => {
    const mcpd = await start();
    const other = await replica(mcpd);
    const alice = await createUser(mcpd, 'alice');
    // Both replicas have verified (and cached) the token.
    expect(await whoAmI(mcpd, alice)).toBe('alice');
    expect(await whoAmI(other, alice)).toBe('alice');

    expect((await mcpd.api('/api/v1/tokens/first?user=alice', { method: 'DELETE' })).status).toBe(204);
    expect(await whoAmI(mcpd, alice)).toBe(401);
    // The other replica trusts its cache for at most 2 s…
    clock.advance(1999);
    expect(await whoAmI(other, alice)).toBe('alice');
    // …and not a millisecond longer.
    clock.advance(1);
    expect(await whoAmI(other, alice)).toBe(401);
    const refused = await other.api('/api/v1/status', { token: alice });
    expect(await refused.json()).toEqual({ error: 'the token is not valid' });
  });

  it('honours expiry, cached or not', async () => {
    const mcpd = await start();
    await mcpd.api('/api/v1/users', { json: { name: 'alice' } });
    const created = tokenCreatedSchema.parse(await (await mcpd.api('/api/v1/tokens', { json: { user: 'alice', expiresIn: '90m' } })).json());
    expect(await whoAmI(mcpd, created.token)).toBe('alice');
    clock.advance(90 * 60_000 - 1);
    expect(await whoAmI(mcpd, created.token)).toBe('alice');
    clock.advance(1);
    const expired = await mcpd.api('/api/v1/status', { token: created.token });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: 'the token has expired' });
    const view = tokenViewSchema.array().parse(await (await mcpd.api('/api/v1/tokens')).json()).find((token) => token.user === 'alice');
    expect(view?.expired).toBe(true);
  });

  it('sweeps an expired token away 7 days after it expired, and keeps the rest', async () => {
    const mcpd = await start();
    await mcpd.api('/api/v1/users', { json: { name: 'alice' } });
    const mint = async (name: string, expiresIn?: string) =>
      expect((await mcpd.api('/api/v1/tokens', { json: { user: 'alice', name, ...(expiresIn ? { expiresIn } : {}) } })).status).toBe(201);
    await mint('hour', '1h');
    await mint('week', '7d');
    await mint('forever');
    const alices = async () => tokenViewSchema.array().parse(await (await mcpd.api('/api/v1/tokens')).json()).filter((token) => token.user === 'alice').map((token) => token.name);
    const sweep = () => mcpd.server.services.gc.runOnce();
    clock.advance(60 * 60_000 + 7 * 24 * 60 * 60_000 - 1);
    expect(await sweep()).toMatchObject({ tokensDeleted: 0 });
    expect(await alices()).toEqual(['forever', 'hour', 'week']);
    clock.advance(2);
    expect(await sweep()).toMatchObject({ tokensDeleted: 1 });
    // The name is free again; the week-long token stays listed, expired, for another 7 days.
    expect(await alices()).toEqual(['forever', 'week']);
    await mint('hour', '1h');
  });

  it('refuses a token name in use, saying whether that token expired and how to delete it', async () => {
    const mcpd = await start();
    const alice = await createUser(mcpd, 'alice');
    const created = tokenCreatedSchema.parse(await (await mcpd.api('/api/v1/tokens', { json: { user: 'alice', name: 'v1', expiresIn: '1h' } })).json());
    const again = () => mcpd.api('/api/v1/tokens', { json: { user: 'alice', name: 'v1', expiresIn: '1h' } });
    const live = await again();
    expect(live.status).toBe(409);
    expect(await live.json()).toEqual({
      error: "user alice already has a token named v1: choose another name, or revoke that one first with 'mcpctl delete token v1 --user alice'",
    });
    clock.advance(60 * 60_000);
    const expired = await again();
    expect(expired.status).toBe(409);
    expect(await expired.json()).toEqual({
      error: `user alice already has a token named v1, expired since ${created.expiresAt ?? ''}: delete it first with 'mcpctl delete token v1 --user alice', or choose another name`,
    });
    // Its own token: the command needs no --user.
    const own = await mcpd.api('/api/v1/tokens', { token: alice, json: { name: 'first' } });
    expect(await own.json()).toEqual({ error: "user alice already has a token named first: choose another name, or revoke that one first with 'mcpctl delete token first'" });
  });

  it('deletes a user with its tokens, bindings, published LLMs and agents, and a new user of that name inherits nothing', async () => {
    const mcpd = await start();
    const alice = await createUser(mcpd, 'alice');
    await mcpd.api('/api/v1/rolebindings', { json: { name: 'alice-admin', subjectKind: 'user', subjectName: 'alice', role: 'admin' } });
    const registered = await mcpd.api('/api/v1/llms/_provider-register', {
      token: alice,
      json: { providers: [{ name: 'alice-qwen', type: 'openai', model: 'q' }], agents: [{ name: 'alice-helper', llmName: 'alice-qwen' }] },
    });
    expect(registered.status).toBe(201);
    expect((await mcpd.api('/api/v1/agents/alice-helper')).status).toBe(200);
    const { providerSessionId } = (await registered.json()) as { providerSessionId: string };
    const stream = await ProviderStream.open(mcpd.url, alice, providerSessionId);
    streams.push(stream);
    await stream.waitFor((open) => open.events.length > 0);

    expect((await mcpd.api('/api/v1/users/alice', { method: 'DELETE' })).status).toBe(204);
    expect(await whoAmI(mcpd, alice)).toBe(401);
    await stream.waitFor((open) => open.closed);
    expect((await mcpd.api('/api/v1/llms/alice-qwen')).status).toBe(404);
    expect((await mcpd.api('/api/v1/agents/alice-helper')).status).toBe(404);
    expect((await mcpd.api('/api/v1/rolebindings/alice-admin')).status).toBe(404);

    const newAlice = await createUser(mcpd, 'alice');
    const status = statusViewSchema.parse(await (await mcpd.api('/api/v1/status', { token: newAlice })).json());
    expect(status.user).toMatchObject({ name: 'alice', admin: false });
  });

  it('refuses to delete the calling user', async () => {
    const mcpd = await start();
    const response = await mcpd.api('/api/v1/users/admin', { method: 'DELETE' });
    expect(response.status).toBe(409);
    expect(await whoAmI(mcpd, mcpd.token)).toBe('admin');
  });

  it('answers 429 with Retry-After to a source past its failed authentications until the window ends, but lets a right token in', async () => {
    const mcpd = await start({ MCPD_AUTH_FAILURE_LIMIT: '5', MCPD_AUTH_FAILURE_WINDOW_SECONDS: '60' });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      statuses.push((await mcpd.api('/api/v1/llms', { token: `mcpctl_wrong-${attempt}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const blocked = await mcpd.api('/api/v1/llms', { token: 'mcpctl_wrong-again' });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('60');
    expect(await blocked.json()).toEqual({ error: 'too many failed authentications from this address; wait before trying again' });
    // Others behind the same address are not locked out.
    expect((await mcpd.api('/api/v1/llms')).status).toBe(200);
    // Health probes need no token and stay open.
    expect((await mcpd.api('/healthz', { token: null })).status).toBe(200);
    clock.advance(30_000);
    expect((await mcpd.api('/api/v1/llms', { token: 'mcpctl_wrong-later' })).headers.get('retry-after')).toBe('30');
    clock.advance(30_000);
    expect((await mcpd.api('/api/v1/llms', { token: 'mcpctl_wrong-next-window' })).status).toBe(401);
  });

  it('caps the control streams a user holds open', async () => {
    const mcpd = await start({ MCPD_MAX_STREAMS_PER_USER: '2' }, 0);
    const alice = await createUser(mcpd, 'alice');
    const sessions: string[] = [];
    for (const name of ['a1', 'a2', 'a3']) {
      const registered = await mcpd.api('/api/v1/llms/_provider-register', { token: alice, json: { providers: [{ name, type: 'openai', model: 'q' }] } });
      sessions.push(((await registered.json()) as { providerSessionId: string }).providerSessionId);
    }
    const first = await ProviderStream.open(mcpd.url, alice, sessions[0]!);
    const second = await ProviderStream.open(mcpd.url, alice, sessions[1]!);
    streams.push(first, second);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await mcpd.api('/api/v1/llms/_provider-stream', {
      token: alice,
      headers: { accept: 'text/event-stream', 'x-mcpctl-provider-session': sessions[2]! },
    });
    expect(third.status).toBe(429);
    expect(await third.json()).toEqual({ error: 'you already have 2 control streams open; close some before opening more' });
    // Closing a stream frees its slot.
    const aliceId = await userId(mcpd, 'alice');
    first.close();
    await eventually(() => mcpd.server.services.limits.controlStreams.heldBy(aliceId) === 1);
    const retried = await ProviderStream.open(mcpd.url, alice, sessions[2]!);
    streams.push(retried);
    expect(retried.status).toBe(200);
  });

  it('caps the result posts a user has in flight', async () => {
    const mcpd = await start({ MCPD_MAX_RESULT_POSTS_PER_USER: '1' }, 0);
    const alice = await createUser(mcpd, 'alice');
    // A post whose body is still arriving holds its slot.
    const aliceId = await userId(mcpd, 'alice');
    const slow = startSlowPost(mcpd.url, alice, '/api/v1/llms/_provider-task/task_nope/result');
    await eventually(() => mcpd.server.services.limits.resultPosts.heldBy(aliceId) === 1);
    const refused = await mcpd.api('/api/v1/llms/_provider-task/task_nope/result', { token: alice, json: { error: 'x' } });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: 'you already have 1 result posts open; close some before opening more' });
    expect(await slow.finish('{"error":"x"}')).toBe(404);
    expect((await mcpd.api('/api/v1/llms/_provider-task/task_nope/result', { token: alice, json: { error: 'x' } })).status).toBe(404);
  });

  it('answers 413 to a body past the account routes\' 64 KiB, before reading it as a user', async () => {
    const mcpd = await start();
    const response = await mcpd.api('/api/v1/users', { json: { name: 'alice', groups: ['ml'], padding: 'x'.repeat(70 * 1024) } });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'request body is too large: this route takes at most 65536 bytes' });
    expect((await mcpd.api('/api/v1/users/alice')).status).toBe(404);
  });

  const userId = async (mcpd: TestServer, name: string) => userViewSchema.parse(await (await mcpd.api(`/api/v1/users/${name}`)).json()).id;

  /** A POST whose headers are sent now and whose body is finished later. */
  function startSlowPost(baseUrl: string, token: string, path: string): { finish(body: string): Promise<number> } {
    const url = new URL(path, baseUrl);
    let request: ClientRequest;
    const answered = new Promise<number>((resolve, reject) => {
      request = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': '13' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.flushHeaders();
    });
    return {
      finish: (body) => {
        request.end(body);
        return answered;
      },
    };
  }
});
