import { openEmbeddedTestDatabase } from '@mcpctl/test-kit';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBoundedError } from '../src/bounded-error-serializer.js';
import { ManualClock } from '@mcpctl/clock/manual';
import { startTestServer, type TestServer } from './support/test-server.js';
import { addUser } from './support/test-users.js';

/*
 * The failed-authentication limit counts bad tokens per address and answers them 429 past
 * the limit, but never refuses a valid token: users behind one NAT share an address, and one
 * of them (or a scanner) sending bad tokens must not lock the others out (SPEC §9).
 */

const LIMIT = 5;
const WINDOW_SECONDS = 60;

let mcpd: TestServer;
let clock: ManualClock;
let member = '';

beforeAll(async () => {
  clock = new ManualClock();
  mcpd = await startTestServer({
    database: await openEmbeddedTestDatabase(),
    clock,
    cacheMs: 0,
    env: { MCPD_AUTH_FAILURE_LIMIT: String(LIMIT), MCPD_AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS) },
  });
  member = await addUser(mcpd.server.services.database.db, 'nat-neighbour');
}, 60_000);

afterAll(async () => {
  const database = mcpd?.server.services.database;
  await mcpd?.close();
  await database?.close();
});

const statusWith = async (token: string) => (await mcpd.api('/api/v1/status', { token })).status;

describe('failed authentications from one address', () => {
  it(`past ${LIMIT} bad tokens: 429 with Retry-After for bad tokens, valid tokens from the same address still get in`, async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < LIMIT + 5; attempt += 1) statuses.push(await statusWith(`mcpctl_guess-${attempt}-0123456789abcdef`));
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), ...Array<number>(5).fill(429)]);
    const refused = await mcpd.api('/api/v1/status', { token: 'mcpctl_one-more-guess-0123456789' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBe(WINDOW_SECONDS);
    expect(((await refused.json()) as { error: string }).error).toBe('too many failed authentications from this address; wait before trying again');
    // The NAT neighbours: a member and the admin, their tokens checked against the database (no cache).
    expect(await statusWith(member)).toBe(200);
    expect(await statusWith(mcpd.token)).toBe(200);
    // A success resets nothing: the next bad token is still refused.
    expect(await statusWith('mcpctl_still-guessing-0123456789')).toBe(429);
    clock.advance(WINDOW_SECONDS * 1000);
    expect(await statusWith('mcpctl_new-window-0123456789')).toBe(401);
    expect(await statusWith(member)).toBe(200);
  });
});

describe('errors in the log', () => {
  it('a database error with a 5,000-character input is logged without it, and any long line cut to 200 characters', async () => {
    const input = 'q'.repeat(5000);
    const failure = await mcpd.server.services.database.db.execute(sql`select ${`${input}\u0000`}::int`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    // The driver's own error repeats the whole input.
    expect(JSON.stringify({ message: (failure as Error).message, stack: (failure as Error).stack })).toContain('q'.repeat(5000));
    // Its parameters are left out of the log altogether; any other long line is cut at 200.
    const logged = JSON.stringify(serializeBoundedError(failure));
    expect(logged).not.toContain('q'.repeat(201));
    const quoted = JSON.stringify(serializeBoundedError(new Error(`invalid input: ${'q'.repeat(5000)}`)));
    expect(quoted).toContain('q'.repeat(180));
    expect(quoted).not.toContain('q'.repeat(201));
    expect(quoted).toContain('more characters)');
  });

  it('a failed query is logged without its parameters: what users sent stays out of the log', async () => {
    const failure = await mcpd.server.services.database.db
      .execute(sql`insert into thread_messages (thread_id, role, content, created_at) values (${'thr_gone'}, ${'user'}, ${'my private\nquestion, over lines'}, now())`)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(Error);
    const logged = JSON.stringify(serializeBoundedError(failure));
    expect(logged).toContain('insert into thread_messages');
    expect(logged).toContain('params: (3 not logged: they hold what users sent)');
    expect(logged).not.toContain('my private');
    expect(logged).not.toContain('over lines');
    // The database's own words stay: they say what went wrong.
    expect(logged).toContain('foreign key');
  });
});
