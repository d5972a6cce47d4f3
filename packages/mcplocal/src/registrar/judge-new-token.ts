import type { Clock } from '@mcpctl/clock';
import type { TokenOwner } from '@mcpctl/protocol';
import { McpdHttpError } from '../errors.js';
import { Backoff } from './backoff.js';
import { isRefusedToken } from './refusal-message.js';
import type { SessionCredentials } from './registrar-options.js';

/**
 * Status lookups of one token before mcpd counts as not answering: the delays between them
 * (1, 2, 4, 8, 16 s, stretched by up to a quarter) outlast a replica's drain and a brief outage.
 */
const MAX_LOOKUPS = 6;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 16_000;

/** What mcpd's word on a token read since the session registered makes of the session. */
export type Verdict =
  /** The same user's: the channel presents it from now on, and nothing else changes. */
  | { kind: 'same'; line: string }
  /** mcpd does not take it: the session goes on with its own until mcpd refuses that too. */
  | { kind: 'refused'; line: string }
  /** mcpd did not answer, however often asked: the session goes on with its own; the next registration presents the new one. */
  | { kind: 'unanswered'; line: string }
  /** Another user's, or mcpd's answer names nobody: the session ends and registers with it. */
  | { kind: 'afresh'; line: string; forgetSession: boolean };

/** What mcpd said of one token, once it said something. */
type Lookup =
  | { kind: 'owner'; owner: TokenOwner }
  /** An answer that names no user, or a refusal of the request that is not the token's (an mcpd without the route). */
  | { kind: 'nobody'; why: string }
  | { kind: 'refused'; error: unknown }
  | { kind: 'unanswered'; error: unknown };

export interface JudgeNewTokenOptions {
  credentials: SessionCredentials;
  /** Paces the retries of a lookup mcpd did not answer. */
  clock: Clock;
  /** The retries' jitter, in [0, 1). */
  random: () => number;
  /** Ends the judging (the life is over, or a newer token is to be judged instead): rejects with its reason. */
  signal: AbortSignal;
}

/**
 * Asks mcpd whose the session's token and the token read last are, both at once. A lookup mcpd
 * did not answer (unreachable, too slow, a 5xx from a draining replica) is asked again at a
 * backoff's pace: only an answer ends the session, never the lack of one.
 */
export async function judgeNewToken(options: JudgeNewTokenOptions): Promise<Verdict> {
  const [session, read] = await Promise.all([lookUp('presented', options), lookUp('read', options)]);
  if (read.kind === 'refused') {
    return {
      kind: 'refused',
      line: `credentials: mcpd refuses the new token (${describe(read.error)}); the provider session goes on with the token it registered with until mcpd refuses that one too`,
    };
  }
  if (read.kind === 'unanswered') return unanswered(`whose the new token is (${describe(read.error)})`);
  if (read.kind === 'nobody') {
    // Presenting the session id again is safe: mcpd keeps a session only for its owner's token
    // and issues anyone else a new one, so at worst the same user's session re-registers.
    return { kind: 'afresh', forgetSession: false, line: `credentials: cannot tell whose the new token is (${read.why}); re-registering the provider session with it` };
  }
  const user = read.owner;
  if (session.kind === 'unanswered') return unanswered(`whose the provider session's token is (${describe(session.error)})`);
  if (session.kind !== 'owner') {
    const why = session.kind === 'nobody' ? session.why : describe(session.error);
    return {
      kind: 'afresh',
      forgetSession: false,
      line: `credentials: the new token is user ${user.name}'s, and whose the provider session's token is cannot be told (${why}); re-registering the provider session as ${user.name}`,
    };
  }
  if (session.owner.id === user.id) return { kind: 'same', line: `credentials: the new token is user ${user.name}'s, as before; the provider session goes on with it` };
  return {
    kind: 'afresh',
    forgetSession: true,
    line: `credentials: the new token is user ${user.name}'s, not ${session.owner.name}'s; re-registering the provider session as ${user.name}`,
  };
}

function unanswered(what: string): Verdict {
  return {
    kind: 'unanswered',
    line: `credentials: mcpd did not say ${what}; the provider session goes on with the token it registered with, and presents the new one from its next registration`,
  };
}

async function lookUp(which: 'presented' | 'read', options: JudgeNewTokenOptions): Promise<Lookup> {
  const { credentials, clock, random, signal } = options;
  const backoff = new Backoff(RETRY_BASE_MS, RETRY_MAX_MS, random);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const owner = await credentials.ownerOf(which, signal);
      return owner === undefined ? { kind: 'nobody', why: 'mcpd answered the status request without a user' } : { kind: 'owner', owner };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (isRefusedToken(error)) return { kind: 'refused', error };
      if (isAnswer(error)) return { kind: 'nobody', why: describe(error) };
      if (attempt >= MAX_LOOKUPS) return { kind: 'unanswered', error };
    }
    await clock.sleep(backoff.next(), signal);
  }
}

/** A refusal that says something of the request (403, 404), not that mcpd cannot answer now (408, 429, 5xx). */
function isAnswer(error: unknown): boolean {
  return error instanceof McpdHttpError && error.status < 500 && error.status !== 408 && error.status !== 429;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
