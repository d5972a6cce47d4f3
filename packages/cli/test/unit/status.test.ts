import type { StatusView } from '@mcpctl/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as run, startStandInMcpd, type StandInMcpd } from '../helpers/stand-in-mcpd.js';

let mcpd: StandInMcpd;
/** Whom the stand-in's `GET /api/v1/status` names: a newer mcpd sends `role`, an older one does not. */
let user: StatusView['user'];
/** What it says of itself besides: among replicas, to an admin, which replica answered and which are alive. */
let replicas: Pick<StatusView['server'], 'replica' | 'replicas'> = {};

beforeAll(async () => {
  mcpd = await startStandInMcpd((request, response) => {
    if (request.url?.startsWith('/v1/')) {
      // mcpd's OpenAI routes: a token first, then no route.
      response.statusCode = request.url.startsWith('/v1/api/') ? 404 : 401;
      response.end(JSON.stringify({ error: request.url.startsWith('/v1/api/') ? `no route for GET ${request.url}` : 'a token is needed' }));
    } else if (request.url === '/api/v1/status') {
      const status: StatusView = { user, server: { version: '1.0.0', database: 'postgres', uptimeSeconds: 5, ...replicas } };
      response.end(JSON.stringify(status));
    } else {
      response.end(JSON.stringify({ status: 'ok' }));
    }
  });
});

afterAll(() => mcpd.close());

/** What `mcpctl status` prints after `User:` when mcpd names `who`. */
async function userLine(who: StatusView['user']): Promise<string | undefined> {
  user = who;
  const result = await run(['status'], mcpd.env);
  expect(result.code).toBe(0);
  return /^User: +(.*)$/m.exec(result.stdout)?.[1];
}

describe('status', () => {
  it("prints every user's role", async () => {
    expect(await userLine({ id: 'u1', name: 'alice', admin: false, role: 'member', grants: ['run:llms'] })).toBe('alice (member)');
    expect(await userLine({ id: 'u2', name: 'vera', admin: false, role: 'viewer', grants: ['view:llms'] })).toBe('vera (viewer)');
    expect(await userLine({ id: 'u0', name: 'admin', admin: true, role: 'admin', grants: ['*'] })).toBe('admin (admin)');
  });

  it('says when a user holds no role, and when a binding makes one an admin', async () => {
    expect(await userLine({ id: 'u3', name: 'bob', admin: false, role: null, grants: ['view:audit'] })).toBe('bob (no role)');
    expect(await userLine({ id: 'u4', name: 'carol', admin: true, role: 'member', grants: ['*'] })).toBe('carol (member; admin by a binding)');
  });

  it('prints no role when an older mcpd sends none, and (admin) for its admin as before', async () => {
    expect(await userLine({ id: 'u1', name: 'alice', admin: false, grants: ['run:llms'] })).toBe('alice');
    expect(await userLine({ id: 'u0', name: 'admin', admin: true })).toBe('admin (admin)');
  });

  it('names, for an admin among replicas, the replica that answered and every one alive', async () => {
    user = { id: 'u0', name: 'admin', admin: true, role: 'admin', grants: ['*'] };
    replicas = { replica: 'mcpd-0-k2p9x1aa', replicas: ['mcpd-0-k2p9x1aa', 'mcpd-1-77fq03bc'] };
    const result = await run(['status'], mcpd.env);
    expect(result.stdout).toMatch(/^Replica: +mcpd-0-k2p9x1aa\nReplicas: +2 alive: mcpd-0-k2p9x1aa, mcpd-1-77fq03bc\n/m);
    replicas = {};
    expect((await run(['status'], mcpd.env)).stdout).not.toContain('Replica');
  });

  it("prints only the error under mcpd's /v1 URL, whose health lines would be about something else", async () => {
    const origin = mcpd.env.MCPCTL_URL ?? '';
    const result = await run(['status'], { ...mcpd.env, MCPCTL_URL: `${origin}/v1` });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`error: no mcpd at ${origin}/v1: GET /api/v1/status answered 404 (no route for GET /v1/api/v1/status)`);
    expect(result.stderr).toContain(`mcpd's base URL has no path: try MCPCTL_URL=${origin}`);
  });
});
