import { ManualClock } from '@mcpctl/clock/manual';
import type { LlmRow } from '@mcpctl/db';
import { describe, expect, it } from 'vitest';
import { unauthorized } from '../src/errors.js';
import { createPrincipal } from '../src/rbac/create-principal.js';
import { grantsOf } from '../src/rbac/grant.js';
import { PermissionSet } from '../src/rbac/permission-set.js';
import type { Principal } from '../src/rbac/principal.js';
import type { ControlChannel } from '../src/relay/control-channel.js';
import { ConnectionOpeners, type HeldConnection } from '../src/services/connection-openers.js';

const member = (tokenExpiresAt: number | null = null, role: 'member' | 'viewer' = 'member'): Principal =>
  createPrincipal({ id: 'u1', name: 'alice', groups: [] }, new PermissionSet(grantsOf({ role, permissions: [], resourceNames: null })), 'tok1', tokenExpiresAt);
const row = (sessionId: string): LlmRow => ({ name: `llm-${sessionId}`, providerSessionId: sessionId, poolName: null, visibility: 'private' }) as LlmRow;
const channel = () => ({}) as ControlChannel;

function openers(clock = new ManualClock(0)) {
  const held = new Map<string, ControlChannel>();
  const ended: string[] = [];
  const connections = new ConnectionOpeners(clock, { listBySession: async (ids) => [ids].flat().map(row) }, async ({ sessionId, channel: which }) => {
    if (held.get(sessionId) !== which) return false;
    held.delete(sessionId);
    ended.push(sessionId);
    return true;
  });
  const open = (sessionId: string, principal = member()) => {
    const connection: HeldConnection = { sessionId, channel: channel() };
    held.set(sessionId, connection.channel);
    connections.opened(connection, { principal, authorization: `Bearer ${sessionId}` });
    return connection;
  };
  const heldNow = () => [...held].map(([sessionId, which]) => ({ sessionId, channel: which }));
  return { clock, held, ended, connections, open, heldNow };
}

describe('the openers of control connections', () => {
  it('end a connection when its token expires, and forget the timer of one that closed first', async () => {
    const { clock, ended, connections, open } = openers();
    open('s1', member(10_000));
    const closedFirst = open('s2', member(10_000));
    connections.closed(closedFirst.channel);
    clock.advance(9_999);
    expect(ended).toEqual([]);
    clock.advance(1);
    await Promise.resolve();
    expect(ended).toEqual(['s1']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('end, after an access change, the connections whose token no longer lets them in or whose publisher may no longer publish', async () => {
    const { ended, connections, open, heldNow } = openers();
    open('kept');
    open('revoked');
    open('demoted');
    const reauthenticate = async (authorization: string | undefined) => {
      if (authorization === 'Bearer revoked') throw unauthorized('the token is not valid');
      return authorization === 'Bearer demoted' ? member(null, 'viewer') : member();
    };
    expect((await connections.recheck(heldNow, reauthenticate)).sort()).toEqual(['demoted', 'revoked']);
    expect(ended.sort()).toEqual(['demoted', 'revoked']);
  });

  it('run one check at a time: changes during a run make one more run, whose ends the first caller hears', async () => {
    const { connections, open, heldNow } = openers();
    open('s1');
    open('s2');
    let looks = 0;
    const held = () => {
      looks += 1;
      return heldNow();
    };
    let runs = 0;
    let release: () => void = () => undefined;
    let revoked = false;
    const reauthenticate = async () => {
      runs += 1;
      if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
      if (revoked) throw unauthorized('the token is not valid');
      return member();
    };
    const first = connections.recheck(held, reauthenticate);
    await Promise.resolve();
    revoked = true;
    const second = connections.recheck(held, reauthenticate);
    const third = connections.recheck(held, reauthenticate);
    release();
    expect((await first).sort()).toEqual(['s1', 's2']);
    expect(await second).toEqual([]);
    expect(await third).toEqual([]);
    // The first run, then one more for the two changes during it: each looks at what is held once.
    expect(looks).toBe(2);
  });
});
