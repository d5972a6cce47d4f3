import type { DatabaseHandle } from '@mcpctl/db';
import { ManualClock } from '@mcpctl/clock/manual';
import { openEmbeddedTestDatabase } from '@mcpctl/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-server.js';

/** A database whose `ping` waits until the test lets it go: a request held on the database. */
function heldPings(database: DatabaseHandle): { handle: DatabaseHandle; pinged: Promise<void>; release(): void } {
  let release: () => void = () => undefined;
  let pinged: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (pinged = resolve));
  const held = new Promise<void>((resolve) => (release = resolve));
  const handle: DatabaseHandle = {
    ...database,
    ping: async () => {
      pinged();
      await held;
      await database.ping();
    },
  };
  return { handle, pinged: reached, release };
}

describe('a stopping mcpd and the requests it is handling', () => {
  let mcpd: TestServer | undefined;
  let database: DatabaseHandle | undefined;
  afterEach(async () => {
    await mcpd?.close();
    await database?.close();
    mcpd = undefined;
    database = undefined;
  });

  it('answers a request still waiting on the database before it closes, rather than cutting it', async () => {
    database = await openEmbeddedTestDatabase();
    const held = heldPings(database);
    mcpd = await startTestServer({ database: held.handle });
    const probe = mcpd.api('/readyz', { token: null });
    await held.pinged;
    const closing = mcpd.server.close();
    // Longer than a busy connection's settle (500 ms) before the close used to cut it.
    await new Promise((resolve) => setTimeout(resolve, 700));
    held.release();
    const answer = await probe;
    expect({ status: answer.status, body: await answer.json() }).toEqual({ status: 200, body: { status: 'ok' } });
    await closing;
  });

  it('says not ready when the database does not answer within 5 s', async () => {
    database = await openEmbeddedTestDatabase();
    const held = heldPings(database);
    const clock = new ManualClock(new Date('2026-12-07T10:00:00Z'));
    mcpd = await startTestServer({ database: held.handle, clock });
    const probe = mcpd.api('/readyz', { token: null });
    await held.pinged;
    clock.advance(5_000);
    const answer = await probe;
    expect({ status: answer.status, body: await answer.json() }).toEqual({ status: 503, body: { status: 'unavailable', reason: 'database unreachable: no answer within 5 s' } });
    held.release();
  });
});
