import { McplocalError } from '../errors.js';
import type { ProviderToPublish } from './registrar-options.js';

export interface WakeRequest {
  /** The published name the `wake` task named; wakes of one name run once (see `RecipeWakeHandler`). */
  llmName: string;
  /** What its log lines and errors call it, when not `llmName` (a local provider's own name). */
  label?: string | undefined;
  entry: ProviderToPublish;
  /** Aborted when mcpd cancels the task or the registrar stops. */
  signal: AbortSignal;
  /**
   * Asked for a request (a caller of the local endpoint, a relayed request that found its backend
   * asleep), not by a wake task of mcpd: no task result tells mcpd how it ended, so the sleep
   * watch's heartbeat does.
   */
  withoutWakeTask?: boolean | undefined;
}

/** How a sleeping backend is brought up; resolves once it serves, rejects with the reason it does not. */
export interface WakeHandler {
  wake(request: WakeRequest): Promise<{ ms: number }>;
}

/**
 * Answers every wake honestly with why it cannot be done, for an embedder that must never run a
 * recipe's request or command. The registrar's default is the `RecipeWakeHandler`.
 */
export class RecipelessWakeHandler implements WakeHandler {
  wake({ llmName, label = llmName, entry }: WakeRequest): Promise<{ ms: number }> {
    const reason =
      entry.wake === undefined
        ? `${label} has no wake recipe`
        : `${label} has a ${entry.wake.type} wake recipe, but this mcplocal does not run wake recipes`;
    return Promise.reject(new McplocalError(reason));
  }
}
