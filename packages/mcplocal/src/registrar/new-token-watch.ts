import type { Cancel, Clock } from '@mcpctl/clock';
import type { TaskErrorResult, TokenOwner } from '@mcpctl/protocol';
import { McplocalError } from '../errors.js';
import { isRefusedToken } from './refusal-message.js';
import type { RegistrarLog, SessionCredentials } from './registrar-options.js';
import type { TaskHandler } from './task-handler.js';

/** New tasks' answer while the session ends to register afresh: a 503 whose retry lands on the new registration. */
const REFUSAL: TaskErrorResult = { error: 'the publisher is registering again with new credentials; retry shortly', retryAfterSeconds: 1 };

/** What mcpd's word on a token read since the session registered makes of the session. */
type Verdict =
  /** The same user's: the channel presents it from now on, and nothing else changes. */
  | { kind: 'same'; line: string }
  /** mcpd does not take it: the session goes on with its own until it must register again. */
  | { kind: 'refused'; line: string }
  /** Another user's, or nobody can tell: the session ends and registers with it. */
  | { kind: 'afresh'; line: string; forgetSession: boolean };

export interface NewTokenWatchOptions {
  credentials: SessionCredentials;
  tasks: Pick<TaskHandler, 'refuseTasks' | 'runningCount' | 'settled' | 'abortAll'>;
  /** Times the drain. */
  clock: Clock;
  log: RegistrarLog;
  /** How long the tasks in flight may go on finishing before a session ended afresh cuts them. */
  drainMs: number;
}

/** How the registrar ends a life of the session the watch decided to end. */
export interface SessionEnding {
  /** The next registration presents no session id: the one held is another user's, and mcpd would only issue a new one. */
  forgetSession(): void;
  /** Ends the life: called once the tasks in flight finished, or the drain's time is up. */
  end(): void;
}

/**
 * Tells a rotated token from another user's login while a life of the provider session runs.
 * Each token `mcpctl login` writes meanwhile costs two `GET /api/v1/status` (whose is the
 * session's token, whose the new one), and nothing on the task path. The same user's token is
 * adopted in place: no reconnect, tasks untouched. Another user's ends the session cleanly: new
 * tasks are refused with a retry, the ones in flight finish on the old session (their results
 * still carry the old token, so mcpd takes them) for up to `drainMs`, then the life ends and the
 * registrar registers afresh with the new token. A new token mcpd refuses changes nothing now: the
 * refused-token path takes over when the session next registers.
 */
export class NewTokenWatch {
  constructor(private readonly options: NewTokenWatchOptions) {}

  /**
   * Watches the credentials until `life` aborts, or the answer is called (the life ended by
   * itself): that also ends a drain under way, and `ending` is then never called.
   */
  during(life: AbortSignal, ending: SessionEnding): Cancel {
    const { credentials } = this.options;
    const watching = new AbortController();
    const signal = AbortSignal.any([life, watching.signal]);
    let checking = false;
    let ended = false;
    /** A token mcpd refused is not asked about again; the next login's is. */
    let refusedGeneration: number | undefined;
    const check = async (): Promise<void> => {
      if (checking || ended) return;
      checking = true;
      try {
        while (!signal.aborted) {
          const read = credentials.generation;
          if (read === credentials.presentedGeneration || read === refusedGeneration) return;
          const verdict = await judge(credentials, signal);
          if (signal.aborted) return;
          // Another login meanwhile: that one is the token to judge.
          if (credentials.generation !== read) continue;
          if (verdict.kind === 'same') {
            this.options.log.info(verdict.line);
            credentials.adopt();
          } else if (verdict.kind === 'refused') {
            this.options.log.warn(verdict.line);
            refusedGeneration = read;
            return;
          } else {
            ended = true;
            this.options.log[verdict.forgetSession ? 'info' : 'warn'](verdict.line);
            if (verdict.forgetSession) ending.forgetSession();
            await this.drain(signal);
            if (!signal.aborted) ending.end();
            return;
          }
        }
      } catch (error) {
        // Nothing above should throw; if it does, the session goes on as it was.
        this.options.log.error(`credentials: looking at the new token failed: ${describe(error)}`);
      } finally {
        checking = false;
      }
    };
    const stopListening = credentials.onChange(() => void check());
    void check();
    return () => {
      stopListening();
      watching.abort();
    };
  }

  /** Refuses new tasks and waits for the running ones, up to `drainMs`; past it, cuts them. */
  private async drain(signal: AbortSignal): Promise<void> {
    const { tasks, clock, log, drainMs } = this.options;
    tasks.refuseTasks(REFUSAL);
    const running = tasks.runningCount;
    if (running === 0) return;
    const seconds = Math.round(drainMs / 1000);
    log.info(`${running} task(s) in flight finish on the old session first (for up to ${seconds} s); new ones are refused with a retry meanwhile`);
    const timer = new AbortController();
    const stopTimer = () => timer.abort();
    signal.addEventListener('abort', stopTimer, { once: true });
    let timedOut: boolean;
    try {
      timedOut = await Promise.race([tasks.settled().then(() => false), clock.sleep(drainMs, timer.signal).then(() => true, () => false)]);
    } finally {
      timer.abort();
      signal.removeEventListener('abort', stopTimer);
    }
    if (!timedOut || signal.aborted || tasks.runningCount === 0) return;
    log.warn(`${tasks.runningCount} task(s) still running after ${seconds} s are ended with the old session`);
    tasks.abortAll(new McplocalError('the provider session ended to register again with new credentials'));
  }
}

/** Asks mcpd whose the session's token and the new one are, both at once. */
async function judge(credentials: SessionCredentials, signal: AbortSignal): Promise<Verdict> {
  const [session, read] = await Promise.allSettled([credentials.ownerOf('presented', signal), credentials.ownerOf('read', signal)]);
  if (read.status === 'rejected') {
    if (isRefusedToken(read.reason)) {
      return {
        kind: 'refused',
        line: `credentials: mcpd refuses the new token (${describe(read.reason)}); the provider session goes on with the token it registered with until it must register again`,
      };
    }
    return { kind: 'afresh', forgetSession: false, line: `credentials: cannot tell whose the new token is (${describe(read.reason)}); re-registering the provider session with it` };
  }
  const user: TokenOwner = read.value;
  if (session.status === 'rejected') {
    return {
      kind: 'afresh',
      forgetSession: false,
      line: `credentials: the new token is user ${user.name}'s, and whose the provider session's token is cannot be told (${describe(session.reason)}); re-registering the provider session as ${user.name}`,
    };
  }
  if (session.value.id === user.id) return { kind: 'same', line: `credentials: the new token is user ${user.name}'s, as before; the provider session goes on with it` };
  return {
    kind: 'afresh',
    forgetSession: true,
    line: `credentials: the new token is user ${user.name}'s, not ${session.value.name}'s; re-registering the provider session as ${user.name}`,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
