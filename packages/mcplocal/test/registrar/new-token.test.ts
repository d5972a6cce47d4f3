import type { Cancel } from '@mcpctl/clock';
import type { TokenOwner } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { McpdHttpError, McplocalError } from '../../src/errors.js';
import type { SessionCredentials } from '../../src/registrar/registrar-options.js';
import { eventually } from '../support/eventually.js';
import { RegistrarHarness } from './registrar-harness.js';

/*
 * What the registrar makes of a token `mcpctl login` writes while its session runs, over an
 * in-memory mcpd on a manual clock: the drain's limit, and the answers of mcpd's status route a
 * real mcpd does not give at will (none at all, a refusal). Whose each token is stands in for
 * that route; the end-to-end file `credentials-switch-user.e2e.test.ts` asks a real mcpd.
 */

const ALICE: TokenOwner = { id: 'usr_alice', name: 'alice' };
const BOB: TokenOwner = { id: 'usr_bob', name: 'bob' };
const REQUEST = { messages: [{ role: 'user', content: 'Hi' }] };

/** Credentials as `PublisherCredentials` holds them, each token's owner (or mcpd's failure to say) set by the test. */
class ScriptedCredentials implements SessionCredentials {
  readonly tokens: string[] = ['alice-1'];
  readonly owners = new Map<string, TokenOwner | Error>([['alice-1', ALICE]]);
  presentedGeneration = 0;
  private readonly listeners = new Set<() => void>();

  get generation(): number {
    return this.tokens.length - 1;
  }

  get presented(): string {
    return this.tokens[this.presentedGeneration] ?? '';
  }

  login(token: string, owner: TokenOwner | Error): void {
    this.tokens.push(token);
    this.owners.set(token, owner);
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

  ownerOf(which: 'presented' | 'read'): Promise<TokenOwner> {
    const owner = this.owners.get(which === 'presented' ? this.presented : (this.tokens.at(-1) ?? ''));
    return owner instanceof Error ? Promise.reject(owner) : Promise.resolve(owner ?? ALICE);
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
  await h.overMemory({ credentials }).start();
  await eventually('the stream open', () => h.memory.openStreams === 1);
  return { h, credentials };
}

const sessions = (h: RegistrarHarness) => h.memory.registrations.map((registration) => registration.providerSessionId);

describe('a token of another user while the session runs', () => {
  it('refuses new tasks with a retry, ends the tasks in flight after 30 s, and registers afresh without the old session', async () => {
    const { h, credentials } = await publishing({ mode: 'hang' });
    h.memory.pushTask({ kind: 'infer', taskId: 'long', llmName: 'local-qwen', request: REQUEST, streaming: true });
    await eventually('the task at the upstream', () => h.upstream.requests.length === 1);

    credentials.login('bob-1', BOB);
    await eventually('the drain', () => h.lines.info.some((line) => line.startsWith('1 task(s) in flight')));
    expect(h.lines.info).toContain("credentials: the new token is user bob's, not alice's; re-registering the provider session as bob");
    h.memory.pushTask({ kind: 'infer', taskId: 'late', llmName: 'local-qwen', request: REQUEST, streaming: false });
    await eventually('the refusal', () => h.memory.resultsOf('late').length === 1);
    expect(h.memory.resultsOf('late')).toEqual([
      { error: 'the publisher is registering again with new credentials; retry shortly', retryAfterSeconds: 1 },
    ]);
    // The old session still presents the old token: the task in flight is not cut a moment sooner.
    expect(credentials.presented).toBe('alice-1');
    await h.clock.advanceAsync(29_999);
    expect(h.memory.openStreams).toBe(1);

    await h.clock.advanceAsync(1);
    await eventually('the stream ended', () => h.memory.openStreams === 0);
    expect(h.lines.warn).toEqual(['1 task(s) still running after 30 s are ended with the old session']);
    await eventually('the task stopped', () => h.lines.info.some((line) => line.startsWith('infer task for local-qwen stopped')));
    // The quick reconnect's delay (jitter one half), then the new user's registration, without alice's session.
    await h.clock.advanceAsync(500);
    await eventually('the stream back', () => h.memory.openStreams === 1);
    expect(sessions(h)).toEqual([undefined, undefined]);
    expect(credentials.presented).toBe('bob-1');
    expect(h.lines.info.filter((line) => line.startsWith('mcpd did not know'))).toEqual([]);
  });
});

describe('a token nobody can say whose it is', () => {
  it('re-registers with it all the same, presenting the session: mcpd keeps it only for its own user', async () => {
    const { h, credentials } = await publishing();
    credentials.login('unknown-1', new McpdHttpError(404, 'mcpd answered the status request with HTTP 404: Not Found'));
    await eventually('the stream ended', () => h.memory.openStreams === 0);
    expect(h.lines.warn).toEqual([
      'credentials: cannot tell whose the new token is (mcpd answered the status request with HTTP 404: Not Found); re-registering the provider session with it',
    ]);
    await h.clock.advanceAsync(500);
    await eventually('the stream back', () => h.memory.openStreams === 1);
    expect(sessions(h)).toEqual([undefined, 'session-1']);
    expect(credentials.presented).toBe('unknown-1');
  });
});

describe('a token mcpd refuses', () => {
  it('leaves the session as it is, and is not asked about again until the next login', async () => {
    const { h, credentials } = await publishing();
    credentials.login('revoked-1', new McpdHttpError(401, 'mcpd answered the status request with HTTP 401: the token is not valid'));
    await eventually('the refusal noticed', () => h.lines.warn.length === 1);
    expect(h.lines.warn[0]).toMatch(/^credentials: mcpd refuses the new token \(.*HTTP 401.*\); the provider session goes on with the token it registered with/);
    expect(credentials.presented).toBe('alice-1');
    expect(h.memory.openStreams).toBe(1);

    credentials.login('alice-2', ALICE);
    await eventually('the new token judged', () => h.lines.info.some((line) => line.includes("user alice's, as before")));
    expect(credentials.presented).toBe('alice-2');
    expect(sessions(h)).toEqual([undefined]);
    expect(h.memory.streamOpens).toEqual(['session-1']);
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
    expect(h.lines.warn).toEqual(['control stream lost (the connection broke); reconnecting in 500 ms']);
  });
});
