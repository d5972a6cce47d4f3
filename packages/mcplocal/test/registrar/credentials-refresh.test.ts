import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveCredentials } from '../../src/config/live-credentials.js';
import { loginHintFor } from '../../src/registrar/refusal-message.js';
import { eventually } from '../support/eventually.js';
import { RegistrarHarness } from './registrar-harness.js';

/*
 * mcpd revokes the token a running publisher holds, and the user runs `mcpctl login`, which
 * writes a new one into the credentials file: the publisher comes back without a restart. The
 * fake mcpd over HTTP, over both transports of the channel, with the registrar's time (its
 * backoff, the credentials' polls) on a manual clock.
 */

const RANDOM_HALF = () => 0.5;
/** The backoff's first delay with a jitter of one half. */
const FIRST_BACKOFF_MS = 5_625;

let harness: RegistrarHarness | undefined;
let credentials: LiveCredentials | undefined;

afterEach(async () => {
  credentials?.stop();
  credentials = undefined;
  await harness?.close();
  harness = undefined;
});

async function login(h: RegistrarHarness, token: string): Promise<void> {
  await writeFile(join(h.home.path, 'credentials'), `${JSON.stringify({ mcpdUrl: h.mcpd.url, token }, null, 2)}\n`, { mode: 0o600 });
}

/** A publisher as mcplocal wires one: the channel asks the credentials for the token at each request. */
async function publishing(transport: 'sse' | 'websocket', options: { watch: boolean }): Promise<{ h: RegistrarHarness; live: LiveCredentials }> {
  const h = await RegistrarHarness.start({}, { socket: transport === 'websocket' });
  harness = h;
  await login(h, h.mcpd.token);
  const live = new LiveCredentials({ path: join(h.home.path, 'credentials'), initial: { mcpdUrl: h.mcpd.url, token: h.mcpd.token }, clock: h.clock, log: h.log });
  credentials = live;
  if (options.watch) live.watch();
  const registrar = h.negotiatedRegistrar(
    { mode: transport, clock: h.clock, token: () => live.token },
    { clock: h.clock, credentials: live, random: RANDOM_HALF, reconnectBaseMs: 5_000, reconnectMaxMs: 60_000, loginHint: loginHintFor(h.home.path) },
  );
  await registrar.start();
  await h.mcpd.waitFor('the control stream', () => h.mcpd.openStreams === 1);
  // Up for longer than a second: its end is followed by the quick reconnect.
  await h.clock.advanceAsync(2_000);
  return { h, live };
}

/** Revokes the token and lets the quick reconnect run into the refusal; answers the new token. */
async function revoked(h: RegistrarHarness): Promise<string> {
  const renewed = h.mcpd.revokeToken();
  await eventually('the stream lost', () => h.lines.warn.some((line) => line.startsWith('control stream lost')));
  await h.clock.advanceAsync(500);
  await eventually('the refusal', () => h.lines.error.some((line) => line.includes('HTTP 401')));
  return renewed;
}

const opens = (h: RegistrarHarness) => h.mcpd.streamOpens.length + h.mcpd.socketOpens.length;

describe.each([
  ['sse', 'mcpd ended it'],
  ['websocket', 'mcpd closed the provider socket: the session is gone'],
] as const)('a publisher over %s whose token mcpd revoked', (transport, streamEnd) => {
  it('says the refusal came after the stream ended, and is back within a poll of `mcpctl login`, not after the backoff', async () => {
    const { h, live } = await publishing(transport, { watch: true });
    const renewed = await revoked(h);
    expect(h.lines.warn.filter((line) => line.startsWith('control stream lost'))).toEqual([`control stream lost (${streamEnd}); reconnecting in 500 ms`]);
    // One line, naming the file the token came from and the MCPCTL_HOME that \`mcpctl login\` writes it under.
    expect(h.lines.error).toEqual([
      `mcpd refused this mcplocal's token as it reconnected after the control stream ended (${streamEnd}): mcpd answered the registration with HTTP 401: missing or invalid bearer token (the token in ${join(h.home.path, 'credentials')} was refused; run \`mcpctl login\` again with MCPCTL_HOME=${h.home.path}); reconnecting in ${FIRST_BACKOFF_MS} ms`,
    ]);
    expect(h.lines.warn.filter((line) => line.includes('HTTP 401'))).toEqual([]);

    // The reconnect wait and the poll's next round, its last read done: the login lands between two polls.
    await eventually('the poll armed', () => h.clock.pendingTimers === 2);
    await login(h, renewed);
    await h.clock.advanceAsync(2_000);
    await eventually('the stream back', () => h.mcpd.openStreams === 1 && opens(h) === 2);
    expect(live.token).toBe(renewed);
    expect(h.lines.info).toContain('new credentials: reconnecting now');
    // The same session, re-adopted with the new token (mcpd records no refused registration): the rows published before.
    expect(h.mcpd.registrations.map((registration) => registration.providerSessionId)).toEqual([undefined, 'session-1']);
    expect(h.allLines).not.toContain('test-token-secret');
  });

  it('reads the file again before the next attempt, even without the poll', async () => {
    const { h } = await publishing(transport, { watch: false });
    const renewed = await revoked(h);
    await login(h, renewed);
    await h.clock.advanceAsync(FIRST_BACKOFF_MS - 1);
    expect(h.clock.nextTimerInMs).toBe(1);
    await h.clock.advanceAsync(1);
    await eventually('the stream back', () => h.mcpd.openStreams === 1 && opens(h) === 2);
    expect(h.lines.error).toHaveLength(1);
  });
});

describe('a publisher whose credentials file turns bad after mcpd refused its token', () => {
  it('says so once per problem, keeps retrying with the token it holds, and comes back once a good file is written', async () => {
    const { h } = await publishing('websocket', { watch: false });
    const renewed = await revoked(h);
    const path = join(h.home.path, 'credentials');
    await writeFile(path, '{"mcpdUrl": ', { mode: 0o600 });
    await h.clock.advanceAsync(FIRST_BACKOFF_MS);
    await eventually('a second refusal', () => h.lines.error.length === 2);
    expect(h.lines.warn.filter((line) => line.startsWith('credentials: not valid JSON'))).toHaveLength(1);
    expect(h.lines.error.at(-1)).toMatch(/HTTP 401.*; reconnecting in 11250 ms$/);

    await rm(path);
    await h.clock.advanceAsync(11_250);
    await eventually('a third refusal', () => h.lines.error.length === 3);
    expect(h.lines.warn.filter((line) => line.includes('is gone; mcplocal keeps the token it read before'))).toHaveLength(1);
    expect(h.lines.error.at(-1)).toMatch(/HTTP 401.*; reconnecting in 22500 ms$/);

    await login(h, renewed);
    await h.clock.advanceAsync(22_500);
    await eventually('the stream back', () => h.mcpd.openStreams === 1);
    expect(h.lines.warn.filter((line) => line.startsWith('credentials:'))).toHaveLength(2);
  });
});
