import type { Cancel, Clock } from '@mcpctl/clock';
import type { Logger } from 'pino';

/** The statuses that say a model server or a publisher failed: not the caller, not mcpd itself (its 500s are logged where they happen). */
const UPSTREAM_FAILURES: ReadonlySet<number> = new Set([502, 504]);

/** At most one line per LLM this often: a dead upstream under load would otherwise write a line per request. */
export const FAILURE_LOG_QUIET_MS = 10_000;

export interface InferenceFailure {
  llmName: string;
  /** The member that answered, for a pool; null when none was reached. */
  servedBy: string | null;
  status: number;
  /** The message the caller and the audit got, already sanitized. */
  error: string | undefined;
  streaming: boolean;
  /** A failure of the model server or the publisher under another status than these (a publisher's 503 with its `Retry-After`). */
  upstreamFailure?: boolean;
  /** A pool member's failure before its answer started, after which another member answered the caller. */
  retried?: boolean;
  /** The `x-request-id` of the call: the line names it as `reqId`, as the request's own lines do. */
  requestId?: string | undefined;
}

/** An LLM that failed within the quiet period: the failures not logged yet, and the latest. */
interface Quiet {
  more: number;
  latest: InferenceFailure;
  /** When the period began (monotonic ms). */
  since: number;
  cancel: Cancel;
}

/**
 * mcpd's log line for an upstream's or a publisher's failure. The audit records every failed
 * call; an operator watching the log also needs to see that an LLM is failing, and why. The
 * first failure is logged at once; while the LLM keeps failing, one line at the end of each
 * quiet period gives the latest failure and how many more there were (`moreFailures`).
 */
export class InferenceFailureLog {
  readonly #quiet = new Map<string, Quiet>();

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly clock: Pick<Clock, 'after' | 'monotonic'>,
  ) {}

  note(failure: InferenceFailure): void {
    if (!UPSTREAM_FAILURES.has(failure.status) && failure.upstreamFailure !== true) return;
    const name = failure.servedBy ?? failure.llmName;
    const quiet = this.#quiet.get(name);
    if (quiet) {
      quiet.more += 1;
      quiet.latest = failure;
      return;
    }
    this.#log(failure);
    this.#keepQuiet(name, failure);
  }

  /** Writes the pending summaries now and stops their timers (shutdown). */
  close(): void {
    for (const quiet of this.#quiet.values()) {
      quiet.cancel();
      if (quiet.more > 0) this.#log(quiet.latest, quiet);
    }
    this.#quiet.clear();
  }

  #keepQuiet(name: string, latest: InferenceFailure): void {
    const quiet: Quiet = { more: 0, latest, since: this.clock.monotonic(), cancel: () => undefined };
    quiet.cancel = this.clock.after(FAILURE_LOG_QUIET_MS, () => this.#endQuiet(name));
    this.#quiet.set(name, quiet);
  }

  #endQuiet(name: string): void {
    const quiet = this.#quiet.get(name);
    this.#quiet.delete(name);
    if (!quiet || quiet.more === 0) return;
    this.#log(quiet.latest, quiet);
    this.#keepQuiet(name, quiet.latest);
  }

  /** `quiet`: the period the line sums up, when it does. */
  #log(failure: InferenceFailure, quiet?: Quiet): void {
    this.logger.warn(
      {
        ...(failure.requestId === undefined ? {} : { reqId: failure.requestId }),
        llm: failure.llmName,
        ...(failure.servedBy !== null && failure.servedBy !== failure.llmName ? { servedBy: failure.servedBy } : {}),
        status: failure.status,
        streaming: failure.streaming,
        error: failure.error,
        ...(failure.retried === true ? { retriedOnAnotherMember: true } : {}),
        ...(quiet ? { moreFailures: quiet.more, withinSeconds: Math.round((this.clock.monotonic() - quiet.since) / 100) / 10 } : {}),
      },
      'inference failed upstream',
    );
  }
}
