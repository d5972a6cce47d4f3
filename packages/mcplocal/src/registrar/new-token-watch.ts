import type { Cancel, Clock } from '@mcpctl/clock';
import { McplocalError } from '../errors.js';
import { judgeNewToken, type Verdict } from './judge-new-token.js';
import type { RegistrarLog, SessionCredentials } from './registrar-options.js';
import type { TaskHandler } from './task-handler.js';

/** Why the publisher ended a life of its session itself: to register with the token read since. */
export const REREGISTERING = 'the provider session ended to register again with new credentials';
/** New tasks' answer while the session ends to register afresh: a 503 whose `Retry-After` is the drain's time left. */
const REFUSAL = 'the publisher is registering again with new credentials; retry shortly';

export interface NewTokenWatchOptions {
  credentials: SessionCredentials;
  tasks: Pick<TaskHandler, 'refuseTasks' | 'acceptTasks' | 'runningCount' | 'settled' | 'abortAll'>;
  /** Times the drain and the retries of a status lookup mcpd did not answer. */
  clock: Clock;
  /** The retries' jitter, in [0, 1). */
  random: () => number;
  log: RegistrarLog;
  /** How long the tasks in flight may go on finishing before a session ended afresh cuts them. */
  drainMs: number;
}

/** How the registrar ends a life of the session the watch decided to end. */
export interface SessionEnding {
  /** The next registration presents no session id: the one held is another user's, and mcpd would only issue a new one. */
  forgetSession(): void;
  /** The next registration presents the session id again: a later login called the switch off, or cannot be told from the session's user. */
  keepSession(): void;
  /** Ends the life: called once the tasks in flight finished, or the drain's time is up. */
  end(): void;
}

/** A drain under way; `cancel` takes new tasks again and never ends the life. */
interface Drain {
  cancel(): void;
}

/**
 * Tells a rotated token from another user's login while a life of the provider session runs.
 * Each token `mcpctl login` writes meanwhile costs two `GET /api/v1/status` (whose is the
 * session's token, whose the new one; more only when mcpd does not answer), and nothing on the
 * task path. The same user's token is adopted in place: no reconnect, tasks untouched. Another
 * user's ends the session cleanly: new tasks are refused with a retry, the ones in flight finish
 * on the old session (their results still carry the old token, so mcpd takes them) for up to
 * `drainMs`, then the life ends and the registrar registers afresh with the new token. Logins
 * during the drain are judged too: the session user's token again calls the drain off. A token
 * mcpd refuses is remembered across lives: the session goes on with its own until mcpd refuses
 * that one as well.
 */
export class NewTokenWatch {
  /** The generation of the token mcpd refused last: it is neither asked about again nor adopted while the session's own works. */
  #refusedGeneration: number | undefined;

  constructor(private readonly options: NewTokenWatchOptions) {}

  /** Whether mcpd refused the token of `generation` when asked whose it is. */
  refused(generation: number): boolean {
    return generation === this.#refusedGeneration;
  }

  /**
   * Watches the credentials until `life` aborts, or the answer is called (the life ended by
   * itself): that also ends a drain under way, and `ending.end` is then never called.
   */
  during(life: AbortSignal, ending: SessionEnding): Cancel {
    const { credentials, clock, random, log } = this.options;
    const watching = new AbortController();
    const signal = AbortSignal.any([life, watching.signal]);
    /** The generation judged last in this life: not asked about again. */
    let judged: number | undefined;
    /** The judging under way; a newer token makes it moot. */
    let judging: AbortController | undefined;
    let drain: Drain | undefined;

    const callOff = () => {
      if (!drain) return;
      drain.cancel();
      drain = undefined;
      ending.keepSession();
      log.info('credentials: the provider session goes on, and takes new tasks again');
    };
    const apply = (verdict: Verdict, generation: number) => {
      switch (verdict.kind) {
        case 'same':
          log.info(verdict.line);
          credentials.adopt();
          return callOff();
        case 'refused':
          log.warn(verdict.line);
          this.#refusedGeneration = generation;
          return callOff();
        case 'unanswered':
          log.warn(verdict.line);
          return callOff();
        case 'afresh':
          log[verdict.forgetSession ? 'info' : 'warn'](verdict.line);
          if (verdict.forgetSession) ending.forgetSession();
          else ending.keepSession();
          drain ??= this.drain(signal, () => ending.end());
      }
    };
    const check = async (): Promise<void> => {
      // The loop under way judges the newest token once the judging it waits on is called off.
      if (judging) return;
      try {
        while (!signal.aborted) {
          const read = credentials.generation;
          if (read === credentials.presentedGeneration || read === this.#refusedGeneration || read === judged) return;
          judging = new AbortController();
          let verdict: Verdict;
          try {
            verdict = await judgeNewToken({ credentials, clock, random, signal: AbortSignal.any([signal, judging.signal]) });
          } catch (error) {
            if (signal.aborted || credentials.generation !== read) continue;
            throw error;
          } finally {
            judging = undefined;
          }
          // Another login meanwhile: that one is the token to judge.
          if (signal.aborted || credentials.generation !== read) continue;
          judged = read;
          apply(verdict, read);
        }
      } catch (error) {
        // Nothing above should throw; if it does, the session goes on as it was.
        log.error(`credentials: looking at the new token failed: ${describe(error)}`);
      }
    };
    const stopListening = credentials.onChange(() => {
      judging?.abort();
      void check();
    });
    void check();
    return () => {
      stopListening();
      watching.abort();
    };
  }

  /**
   * Refuses new tasks, with a `Retry-After` of the time the drain has left, and waits for the
   * running ones, up to `drainMs`; past it, cuts them. Then `end`, unless the drain was cancelled
   * or `signal` aborted first.
   */
  private drain(signal: AbortSignal, end: () => void): Drain {
    const { tasks, clock, log, drainMs } = this.options;
    const cancelled = new AbortController();
    const drainSignal = AbortSignal.any([signal, cancelled.signal]);
    const deadline = clock.monotonic() + drainMs;
    tasks.refuseTasks(() => ({ error: REFUSAL, retryAfterSeconds: Math.max(1, Math.ceil((deadline - clock.monotonic()) / 1000)) }));
    this.waitForTasks(drainSignal).then(
      () => {
        if (!drainSignal.aborted) end();
      },
      (error: unknown) => log.error(`credentials: waiting for the tasks in flight failed: ${describe(error)}`),
    );
    return {
      cancel: () => {
        cancelled.abort();
        tasks.acceptTasks();
      },
    };
  }

  private async waitForTasks(signal: AbortSignal): Promise<void> {
    const { tasks, clock, log, drainMs } = this.options;
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
    tasks.abortAll(new McplocalError(REREGISTERING));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
