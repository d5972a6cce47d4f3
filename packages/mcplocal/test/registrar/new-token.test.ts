import type { Cancel } from '@mcpctl/clock';
import type { TokenOwner } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { McpdHttpError, McplocalError } from '../../src/errors.js';
import type { ControlChannel } from '../../src/registrar/control-channel.js';
import type { SessionCredentials } from '../../src/registrar/registrar-options.js';
import { eventually } from '../support/eventually.js';
import { RegistrarHarness } from './registrar-harness.js';

/*
 * What the registrar makes of a token `mcpctl login` writes while its session runs, over an
 * in-memory mcpd on a manual clock: the drain's limit, and the answers of mcpd's status route a
 * real mcpd does not give at will (none at all, a refusal, a 503). Whose each token is stands in
 * for that route; the end-to-end file `credentials-switch-user.e2e.test.ts` asks a real mcpd.
 */

const ALICE: TokenOwner = { id: 'usr_alice', name: 'alice' };
const BOB: TokenOwner = { id: 'usr_bob', name: 'bob' };
const CAROL: TokenOwner = { id: 'usr_carol', name: 'carol' };
const REQUEST = { messages: [{ role: 'user', content: 'Hi' }] };
/** What the status route answers of a token: its user, nobody, or a failure. */
type OwnerAnswer = TokenOwner | undefined | Error;
const UNAVAILABLE = new McpdHttpError(503, 'mcpd answered the status request with HTTP 503: mcpd is shutting down; retry shortly');
const REVOKED = new McpdHttpError(401, 'mcpd answered the status request with HTTP 401: the token is not valid');
/** The delays between status lookups mcpd does not answer, with the harness's jitter of one half. */
const LOOKUP_RETRIES_MS = [1_125, 2_250, 4_500, 9_000, 16_000];

/**
 * Credentials as `PublisherCredentials` holds them. Each token's owner, as the status route
 * answers it, is set by the test: one answer per lookup, the last one repeated.
 */
class ScriptedCredentials implements SessionCredentials {
  readonly tokens: string[] = ['alice-1'];
  readonly owners = new Map<string, OwnerAnswer[]>([['alice-1', [ALICE]]]);
  /** Status lookups of each token. */
  readonly asked = new Map<string, number>();
  /** Tokens mcpd no longer takes: a registration presenting one is refused. */
  readonly revoked = new Set<string>();
  /** The token each registration presented. */
  readonly registeredWith: string[] = [];
  presentedGeneration = 0;
  private readonly listeners = new Set<() => void>();

  get generation(): number {
    return this.tokens.length - 1;
  }

  get presented(): string {
    return this.tokens[this.presentedGeneration] ?? '';
  }

  login(token: string, ...answers: OwnerAnswer[]): void {
    this.tokens.push(token);
    this.owners.set(token, answers);
    for (const listener of this.listeners) listener();
  }

  reload(): Promise<void> {
    return Promise.resolve();
  }

  onChange(listener: () => void): Cancel {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  adopt(): void {
    this.presentedGeneration = this.generation;
  }

  ownerOf(which: 'presented' | 'read'): Promise<TokenOwner | undefined> {
    const token = which === 'presented' ? this.presented : (this.tokens.at(-1) ?? '');
    const asked = this.asked.get(token) ?? 0;
    this.asked.set(token, asked + 1);
    const answers = this.owners.get(token) ?? [];
    const answer = answers[Math.min(asked, answers.length - 1)];
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }

  /** The in-memory mcpd's channel, refusing registrations that present a revoked token, as mcpd does. */
  checkedBy(channel: ControlChannel): ControlChannel {
    return {
      peer: channel.peer,
      register: (request, signal) => {
        const token = this.presented;
        this.registeredWith.push(token);
        if (this.revoked.has(token)) return Promise.reject(new McpdHttpError(401, 'mcpd answered the registration with HTTP 401: the token is not valid'));
        return channel.register(request, signal);
      },
      heartbeat: (request, signal) => channel.heartbeat(request, signal),
      postResult: (taskId, result, signal) => channel.postResult(taskId, result, signal),
      openStream: (session, listener, signal) => channel.openStream(session, listener, signal),
    };
  }
}

let harness: RegistrarHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function publishing(upstream: Parameters<typeof RegistrarHarness.start>[0] = {}): Promise<{ h: RegistrarHarness; credentials: ScriptedCredentials }> {
  const h = await RegistrarHarness.start(upstream);
  harness = h;
  const credentials = new ScriptedCredentials();
  await h.overMemory({ credentials, channel: credentials.checkedBy(h.memory.connect()) }).start();
  await eventually('the stream open', () => h.memory.openStreams === 1);
  return { h, credentials };
}

const sessions = (h: RegistrarHarness) => h.memory.registrations.map((registration) => registration.providerSessionId);
const refusalOf = (retryAfterSeconds: number) => ({ error: 'the publisher is registering again with new credentials; retry shortly', retryAfterSeconds });
const infer = (taskId: string) => ({ kind: 'infer', taskId, llmName: 'local-qwen', request: REQUEST, streaming: true });

/** Lets `count` lookups of `token` happen, moving the clock through the retry delays between them. */
async function lookups(h: RegistrarHarness, credentials: ScriptedCredentials, token: string, count: number): Promise<void> {
  for (let done = 1; ; done += 1) {
    await eventually(`lookup ${done} of ${token}`, () => (credentials.asked.get(token) ?? 0) >= done);
    if (done === count) return;
    await h.clock.advanceAsync(LOOKUP_RETRIES_MS[done - 1] ?? 0);
  }
}

describe('a token of another user while the session runs', () => {
  it('refuses new tasks with the time the drain has left, ends the tasks in flight after 30 s, and registers afresh without the old session', async () => {
    const { h, credentials } = await publishing({ mode: 'hang' });
    h.memory.pushTask(infer('long'));
    await eventually('the task at the upstream', () => h.upstream.requests.length === 1);

    credentials.login('bob-1', BOB);
    await eventually('the drain', () => h.lines.info.some((line) => line.startsWith('1 task(s) in flight')));
    expect(h.lines.info).toContain("credentials: the new token is user bob's, not alice's; re-registering the provider session as bob");
    h.memory.pushTask(infer('late'));
    await eventually('the refusal', () => h.memory.resultsOf('late').length === 1);
    expect(h.memory.resultsOf('late')).toEqual([refusalOf(30)]);
    // The old session still presents the old token: the task in flight is not cut a moment sooner.
    expect(credentials.presented).toBe('alice-1');
    await h.clock.advanceAsync(10_500);
    h.memory.pushTask(infer('later'));
    await eventually('the second refusal', () => h.memory.resultsOf('later').length === 1);
    expect(h.memory.resultsOf('later')).toEqual([refusalOf(20)]);
    await h.clock.advanceAsync(19_499);
    expect(h.memory.openStreams).toBe(1);

    await h.clock.advanceAsync(1);
    await eventually('the stream ended', () => h.memory.openStreams === 0);
    expect(h.lines.warn).toEqual(['1 task(s) still running after 30 s are ended with the old session']);
    await eventually('the task stopped', () => h.lines.info.some((line) => line.startsWith('infer task for local-qwen stopped')));
    // The quick reconnect's delay (jitter one half), then the new user's registration, without alice's session.
    await h.clock.advanceAsync(500);
    await eventually('the stream back', () => h.memory.openStreams === 1);
    expect(sessions(h)).toEqual([undefined, undefined]);
    expect(credentials.registeredWith).toEqual(['alice-1', 'bob-1']);
    expect(h.lines.info.filter((line) => line.startsWith('mcpd did not know'))).toEqual([]);
  });

  it('ends the session only once mcpd answers whose the session token is: a 503 is asked again', async () => {
    const { h, credentials } = await publishing({ mode: 'hang' });
    credentials.owners.set('alice-1', [UNAVAILABLE, ALICE]);
    credentials.login('bob-1', BOB);
    await lookups(h, credentials, 'alice-1', 1);
    h.memory.pushTask(infer('meanwhile'));
    await eventually('the task at the upstream', () => h.upstream.requests.length === 1);
    expect(h.memory.resultsOf('meanwhile')).toEqual([]);
    expect(h.lines.info.filter((line) => line.startsWith('credentials:'))).toEqual([]);

    await lookups(h, credentials, 'alice-1', 2);
    await eventually('the switch', () => h.lines.info.includes("credentials: the new token is user bob's, not alice's; re-registering the provider session as bob"));
    expect(h.lines.warn).toEqual([]);
  });
});

describe('a login while the session drains to register as another user', () => {
  it("back as the session's user calls the drain off: tasks are taken again, none is cut, and the session is kept", async () => {
    const { h, credentials } = await publishing({ mode: 'hang' });
    h.memory.pushTask(infer('long'));
    await eventually('the task at the upstream', () => h.upstream.requests.length === 1);
    credentials.login('bob-1', BOB);
    await eventually('the drain', () => h.lines.info.some((line) => line.startsWith('1 task(s) in flight')));
    h.memory.pushTask(infer('late'));
    await eventually('the refusal', () => h.memory.resultsOf('late').length === 1);

    credentials.login('alice-2', ALICE);
    await eventually('the drain called off', () => h.lines.info.includes('credentials: the provider session goes on, and takes new tasks again'));
    expect(h.lines.info).toContain("credentials: the new token is user alice's, as before; the provider session goes on with it");
    expect(credentials.presented).toBe('alice-2');
    h.memory.pushTask(infer('after'));
    await eventually('the task at the upstream', () => h.upstream.requests.length === 2);
    await h.clock.advanceAsync(60_000);
    expect(h.memory.openStreams).toBe(1);
    expect(h.memory.resultsOf('after')).toEqual([]);
    expect(h.lines.warn).toEqual([]);
    expect(h.lines.info.filter((line) => line.startsWith('infer task for local-qwen stopped'))).toEqual([]);

    // The session id is kept: the next registration presents it.
    h.memory.breakStreams(new McplocalError('the connection broke'));
    await eventually('the reconnect armed', () => h.lines.warn.length === 1);
    await h.clock.advanceAsync(500);
    await eventually('the stream back', () => h.memory.openStreams === 1);
    expect(sessions(h)).toEqual([undefined, 'session-1']);
    expect(credentials.registeredWith).toEqual(['alice-1', 'alice-2']);
  });

  it("as yet another user goes on with the same drain, and registers as that user", async () => {
    const { h, credentials } = await publishing({ mode: 'hang' });
    h.memory.pushTask(infer('long'));
    await eventually('the task at the upstream', () => h.upstream.requests.length === 1);
    credentials.login('bob-1', BOB);
    await eventually('the drain', () => h.lines.info.some((line) => line.startsWith('1 task(s) in flight')));
    await h.clock.advanceAsync(10_000);

    credentials.login('carol-1', CAROL);
    await eventually('the new token judged', () => h.lines.info.some((line) => line.includes("user carol's, not alice's")));
    await h.clock.advanceAsync(19_999);
    expect(h.memory.openStreams).toBe(1);
    await h.clock.advanceAsync(1);
    await eventually('the stream ended', () => h.memory.openStreams === 0);
    await h.clock.advanceAsync(500);
    await eventually('the stream back', () => h.memory.openStreams === 1);
    expect(sessions(h)).toEqual([undefined, undefined]);
    expect(credentials.registeredWith).toEqual(['alice-1', 'carol-1']);
  });
});

describe('a token nobody can say whose it is', () => {
  it('re-registers with it all the same, presenting the session: mcpd keeps it only for its own user', async () => {
    const { h, credentials } = await publishing();
    credentials.login('unknown-1', undefined);
    await eventually('the stream ended', () => h.memory.openStreams === 0);
    expect(h.lines.warn).toEqual([
      'credentials: cannot tell whose the new token is (mcpd answered the status request without a user); re-registering the provider session with it',
    ]);
    await h.clock.advanceAsync(500);
    await eventually('the stream back', () => h.memory.openStreams === 1);
    expect(sessions(h)).toEqual([undefined, 'session-1']);
    expect(credentials.presented).toBe('unknown-1');
  });
});

describe('a status lookup mcpd does not answer', () => {
  it("is asked again at a backoff's pace: a rotated token stays a rotation, the tasks untouched", async () => {
    const { h, credentials } = await publishing();
    credentials.login('alice-2', UNAVAILABLE, new McplocalError('cannot reach mcpd at http://mcpd for the status request: connection refused'), ALICE);
    await lookups(h, credentials, 'alice-2', 2);
    expect(credentials.presented).toBe('alice-1');
    h.memory.pushTask({ ...infer('meanwhile'), streaming: false });
    await eventually('the answer', () => h.memory.resultsOf('meanwhile').length === 1);
    expect(h.memory.resultsOf('meanwhile')[0]).toMatchObject({ status: 200 });

    await lookups(h, credentials, 'alice-2', 3);
    await eventually('the new token judged', () => credentials.presented === 'alice-2');
    expect(h.lines.info.at(-1)).toBe("credentials: the new token is user alice's, as before; the provider session goes on with it");
    expect(h.lines.warn).toEqual([]);
    expect(sessions(h)).toEqual([undefined]);
    expect(h.memory.streamOpens).toEqual(['session-1']);
  });

  it('at all leaves the session as it is; the next registration presents the new token, with the session id', async () => {
    const { h, credentials } = await publishing();
    credentials.login('alice-2', UNAVAILABLE);
    await lookups(h, credentials, 'alice-2', 6);
    await eventually('the lookups given up', () => h.lines.warn.length === 1);
    expect(h.lines.warn).toEqual([
      `credentials: mcpd did not say whose the new token is (${UNAVAILABLE.message}); the provider session goes on with the token it registered with, and presents the new one from its next registration`,
    ]);
    await h.clock.advanceAsync(60_000);
    expect(credentials.asked.get('alice-2')).toBe(6);
    expect(h.memory.streamOpens).toEqual(['session-1']);
    expect(credentials.presented).toBe('alice-1');

    h.memory.breakStreams(new McplocalError('the connection broke'));
    await eventually('the reconnect armed', () => h.lines.warn.length === 2);
    await h.clock.advanceAsync(500);
    await eventually('the stream back', () => h.memory.openStreams === 1);
    expect(sessions(h)).toEqual([undefined, 'session-1']);
    expect(credentials.registeredWith).toEqual(['alice-1', 'alice-2']);
  });

  it('is given up on when a newer login comes, which is judged instead', async () => {
    const { h, credentials } = await publishing();
    credentials.login('alice-2', UNAVAILABLE);
    await lookups(h, credentials, 'alice-2', 2);
    credentials.login('alice-3', ALICE);
    await eventually('the newer token judged', () => credentials.presented === 'alice-3');
    await h.clock.advanceAsync(60_000);
    expect(credentials.asked.get('alice-2')).toBe(2);
    expect(h.lines.warn).toEqual([]);
  });
});

describe('a token mcpd refuses', () => {
  it('leaves the session as it is, and is not asked about again until the next login', async () => {
    const { h, credentials } = await publishing();
    credentials.login('revoked-1', REVOKED);
    await eventually('the refusal noticed', () => h.lines.warn.length === 1);
    expect(h.lines.warn).toEqual([
      `credentials: mcpd refuses the new token (${REVOKED.message}); the provider session goes on with the token it registered with until mcpd refuses that one too`,
    ]);
    expect(credentials.presented).toBe('alice-1');
    expect(h.memory.openStreams).toBe(1);

    credentials.login('alice-2', ALICE);
    await eventually('the new token judged', () => h.lines.info.some((line) => line.includes("user alice's, as before")));
    expect(credentials.presented).toBe('alice-2');
    expect(sessions(h)).toEqual([undefined]);
    expect(h.memory.streamOpens).toEqual(['session-1']);
  });

  it("is not presented when the session registers again, while the session's own token works", async () => {
    const { h, credentials } = await publishing();
    credentials.login('revoked-1', REVOKED);
    credentials.revoked.add('revoked-1');
    await eventually('the refusal noticed', () => h.lines.warn.length === 1);

    await h.clock.advanceAsync(2_000);
    h.memory.breakStreams(new McplocalError('the connection broke'));
    await eventually('the reconnect armed', () => h.lines.warn.length === 2);
    await h.clock.advanceAsync(500);
    await eventually('the stream back', () => h.memory.openStreams === 1);
    expect(credentials.registeredWith).toEqual(['alice-1', 'alice-1']);
    expect(sessions(h)).toEqual([undefined, 'session-1']);
    expect(credentials.presented).toBe('alice-1');
    expect(credentials.asked.get('revoked-1')).toBe(1);
    expect(h.lines.error).toEqual([]);
  });

  it("is presented once mcpd refuses the session's own token too, and the next login ends the wait", async () => {
    const { h, credentials } = await publishing();
    credentials.login('revoked-1', REVOKED);
    credentials.revoked.add('revoked-1');
    await eventually('the refusal noticed', () => h.lines.warn.length === 1);

    await h.clock.advanceAsync(2_000);
    credentials.revoked.add('alice-1');
    h.memory.breakStreams(new McplocalError('the connection broke'));
    await eventually('the reconnect armed', () => h.lines.warn.length === 2);
    await h.clock.advanceAsync(500);
    // Refused with its own token, the session tries the newer one at once; mcpd refuses that too.
    await eventually('both tokens refused', () => credentials.registeredWith.length === 3);
    expect(credentials.registeredWith).toEqual(['alice-1', 'alice-1', 'revoked-1']);
    await eventually('the wait for a login', () => h.lines.error.length === 2);

    credentials.login('alice-3', ALICE);
    await eventually('the stream back', () => h.memory.openStreams === 1);
    expect(credentials.registeredWith).toEqual(['alice-1', 'alice-1', 'revoked-1', 'alice-3']);
    expect(sessions(h).at(-1)).toBe('session-1');
  });
});

describe('a token of the same user', () => {
  it('is presented from the next request on, and nothing else changes', async () => {
    const { h, credentials } = await publishing();
    credentials.login('alice-2', ALICE);
    await eventually('the new token judged', () => credentials.presented === 'alice-2');
    expect(h.lines.info.at(-1)).toBe("credentials: the new token is user alice's, as before; the provider session goes on with it");
    expect(sessions(h)).toEqual([undefined]);
    expect(h.memory.streamOpens).toEqual(['session-1']);
    expect(h.lines.warn).toEqual([]);
  });

  it('read while no stream is up is presented from the next registration on, without asking whose it is', async () => {
    const { h, credentials } = await publishing();
    await h.clock.advanceAsync(2_000);
    h.memory.breakStreams(new McplocalError('the connection broke'));
    await eventually('the reconnect armed', () => h.lines.warn.length === 1);
    credentials.login('alice-2', new Error('not asked'));
    await h.clock.advanceAsync(500);
    await eventually('the stream back', () => h.memory.openStreams === 1);
    expect(sessions(h)).toEqual([undefined, 'session-1']);
    expect(credentials.presented).toBe('alice-2');
    expect(credentials.asked.get('alice-2')).toBeUndefined();
    expect(h.lines.warn).toEqual(['control stream lost (the connection broke); reconnecting in 500 ms']);
  });
});
