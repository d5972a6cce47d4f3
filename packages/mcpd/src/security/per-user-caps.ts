import { tooManyRequests } from '../errors.js';

/** What one user may hold at once; past a cap the next request gets 429. */
export interface PerUserCaps {
  /** Inference requests in flight (answered, streaming or queued). */
  inferenceRequests: number;
  /** Stored rows: provider sessions, threads, agents, LLMs (virtual ones included) and tokens. */
  providerSessions: number;
  threads: number;
  agents: number;
  /**
   * Every LLM list (`get llms`, `/v1/models`, a dashboard's events) is read whole on mcpd's one
   * thread: a member publishing thousands of rows would slow every reader down.
   */
  llms: number;
  /**
   * Bearer tokens, expired ones included until the sweep removes them: `get tokens` reads every
   * token, and a token minted per CI run would otherwise pile up for good.
   */
  tokens: number;
}

export const DEFAULT_PER_USER_CAPS: PerUserCaps = { inferenceRequests: 128, providerSessions: 64, threads: 1000, agents: 200, llms: 256, tokens: 1000 };

/**
 * Refuses a change that would leave a user holding more than `max` stored rows of a kind
 * (`total` counts them with the change). Waiting does not help here, only deleting does, so
 * the 429 carries no Retry-After and says what to do.
 */
export function assertWithinCap(total: number, max: number, what: string, remedy: string): void {
  if (total > max) throw tooManyRequests(`that would make more than ${max} ${what}, the most one user may have; ${remedy}`);
}
