import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManualClock } from '@mcpctl/clock/manual';
import { makeTempDir, type TempDir } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveCredentials } from '../../src/config/live-credentials.js';
import { eventually } from '../support/eventually.js';

/*
 * The credentials file as `mcpctl login` rewrites it under a running mcplocal: real files in a
 * temp MCPCTL_HOME, the polls on a manual clock.
 */
const MCPD_URL = 'http://mcpd.internal:3100';
const FIRST = 'tok_first_secret';
const SECOND = 'tok_second_secret';

let home: TempDir;
let clock: ManualClock;
let credentials: LiveCredentials;
let lines: { info: string[]; warn: string[]; error: string[] };
let changes: number;

const path = () => join(home.path, 'credentials');

/** As `mcpctl login` writes it: pretty JSON, mode 0600. */
async function login(token: string, mcpdUrl = MCPD_URL): Promise<void> {
  await writeFile(path(), `${JSON.stringify({ mcpdUrl, token }, null, 2)}\n`, { mode: 0o600 });
}

/** Moves the clock through one poll and lets its stat and read finish. */
async function poll(): Promise<void> {
  await clock.advanceAsync(2_000);
  await eventually('the poll to finish', () => clock.pendingTimers === 1);
}

beforeEach(async () => {
  home = await makeTempDir('mcplocal-credentials');
  clock = new ManualClock();
  lines = { info: [], warn: [], error: [] };
  changes = 0;
  await login(FIRST);
  credentials = new LiveCredentials({
    path: path(),
    initial: { mcpdUrl: MCPD_URL, token: FIRST },
    clock,
    log: { info: (line) => lines.info.push(line), warn: (line) => lines.warn.push(line), error: (line) => lines.error.push(line) },
  });
  credentials.onChange(() => (changes += 1));
});

afterEach(async () => {
  credentials.stop();
  await home.cleanup();
});

describe('LiveCredentials', () => {
  it('takes the token a new login wrote at the next poll, says so without the token, and tells its listeners once', async () => {
    credentials.watch();
    await poll();
    expect([credentials.token, credentials.generation, changes]).toEqual([FIRST, 0, 0]);

    await login(SECOND);
    await poll();
    expect([credentials.token, credentials.generation, changes]).toEqual([SECOND, 1, 1]);
    expect(lines.info).toEqual([`credentials: read a new token from ${path()}; the local endpoint uses it from its next request`]);
    await poll();
    expect(changes).toBe(1);
    expect(JSON.stringify(lines)).not.toContain('tok_');
  });

  it('reads the file at once on reload, without waiting for a poll', async () => {
    await login(SECOND);
    await credentials.reload();
    expect([credentials.token, changes]).toEqual([SECOND, 1]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps the token it holds when the file is rewritten with the same one', async () => {
    await login(FIRST);
    await credentials.reload();
    expect([credentials.token, credentials.generation, changes]).toEqual([FIRST, 0, 0]);
    expect(lines).toEqual({ info: [], warn: [], error: [] });
  });

  it.each([
    ['not JSON', () => writeFile(path(), '{"mcpdUrl": ', { mode: 0o600 }), /^credentials: not valid JSON: .*; mcplocal keeps the token it read before \(run `mcpctl login` to write a new one\)$/],
    ['missing a token', () => writeFile(path(), JSON.stringify({ mcpdUrl: MCPD_URL }), { mode: 0o600 }), /^credentials: token: .*\(run mcpctl login again\); mcplocal keeps the token it read before/],
    ['readable by others', async () => {
      await login(SECOND);
      await chmod(path(), 0o644);
    }, /^credentials: must be mode 0600, is 0644 \(chmod 600 .*\); mcplocal keeps the token it read before/],
    ['gone', () => rm(path()), /^credentials: .* is gone; mcplocal keeps the token it read before/],
  ])('keeps the token it holds when the file is %s, says so once, and takes a good one after', async (_case, spoil, line) => {
    credentials.watch();
    await spoil();
    await poll();
    await credentials.reload();
    await credentials.reload();
    expect([credentials.token, changes]).toEqual([FIRST, 0]);
    expect(lines.warn).toHaveLength(1);
    expect(lines.warn[0]).toMatch(line);

    await rm(path(), { force: true });
    await login(SECOND);
    await poll();
    expect([credentials.token, changes]).toEqual([SECOND, 1]);
    expect(JSON.stringify(lines)).not.toContain('tok_');
  });

  it('sees a `chmod 600` alone at the next poll', async () => {
    credentials.watch();
    await login(SECOND);
    await chmod(path(), 0o640);
    await poll();
    expect([credentials.token, lines.warn.length]).toEqual([FIRST, 1]);
    await chmod(path(), 0o600);
    await poll();
    expect(credentials.token).toBe(SECOND);
  });

  it('does not send another mcpd\'s token to the one it publishes to', async () => {
    await login(SECOND, 'http://elsewhere.internal:3100');
    await credentials.reload();
    await credentials.reload();
    expect([credentials.token, changes]).toEqual([FIRST, 0]);
    expect(lines.error).toEqual([
      `credentials: ${path()} now names mcpd at http://elsewhere.internal:3100, but mcplocal publishes to ${MCPD_URL}: it keeps the token it read for that one; restart mcplocal to use the new login`,
    ]);
    // The same mcpd written with a trailing slash is the same mcpd.
    await login(SECOND, `${MCPD_URL}/`);
    await credentials.reload();
    expect(credentials.token).toBe(SECOND);
  });

  it('stops polling on stop', async () => {
    credentials.watch();
    credentials.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
