import type { Clock } from '@mcpctl/clock';
import type { Logger } from 'pino';

/** The statuses that say a model server or a publisher failed: not the caller, not mcpd itself (its 500s are logged where they happen). */
const UPSTREAM_FAILURES: ReadonlySet<number> = new Set([502, 504]);

/** At most one line per LLM this often: a dead upstream under load would otherwise write a line per request. */
export const FAILURE_LOG_QUIET_MS = 10_000;

/** Past this many LLMs noted, the memo starts again (names of deleted LLMs would otherwise stay). */
const MAX_NOTED = 1000;

export interface InferenceFailure {
  llmName: string;
  /** The member that answered, for a pool; null when none was reached. */
  servedBy: string | null;
  status: number;
  /** The message the caller and the audit got, already sanitized. */
  error: string | undefined;
  streaming: boolean;
}

/**
 * mcpd's log line for an upstream's or a publisher's failure. The audit records every failed
 * call; an operator watching the log also needs to see that an LLM is failing, and why.
 */
export class InferenceFailureLog {
  readonly #noted = new Map<string, { at: number; unlogged: number }>();

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly clock: Pick<Clock, 'monotonic'>,
  ) {}

  note(failure: InferenceFailure): void {
    if (!UPSTREAM_FAILURES.has(failure.status)) return;
    const name = failure.servedBy ?? failure.llmName;
    const now = this.clock.monotonic();
    const noted = this.#noted.get(name);
    if (noted && now - noted.at < FAILURE_LOG_QUIET_MS) {
      noted.unlogged += 1;
      return;
    }
    if (!noted && this.#noted.size >= MAX_NOTED) this.#noted.clear();
    this.#noted.set(name, { at: now, unlogged: 0 });
    this.logger.warn(
      {
        llm: failure.llmName,
        ...(failure.servedBy !== null && failure.servedBy !== failure.llmName ? { servedBy: failure.servedBy } : {}),
        status: failure.status,
        streaming: failure.streaming,
        error: failure.error,
        ...(noted && noted.unlogged > 0 ? { alsoFailedUnlogged: noted.unlogged } : {}),
      },
      'inference failed upstream',
    );
  }
}
