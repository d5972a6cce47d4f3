import type { InferTask, TaskResult } from '@mcpctl/protocol';
import { ProviderUnavailableError } from '../errors.js';
import { didNotWakeMessage, FAILED_WAKE_RETRY_AFTER_SECONDS, foundAsleep } from '../wake/backend-asleep.js';
import type { ProviderToPublish, RegistrarLog } from './registrar-options.js';
import { runInferTask, type TaskScope } from './run-infer-task.js';
import type { WakeHandler } from './wake-handler.js';

/**
 * {@link runInferTask} for a provider with a wake recipe. mcpd hears that a backend sleeps only
 * from the next heartbeat, up to 30 s after it fell asleep; a request relayed meanwhile that
 * finds it asleep, before any of its answer went out, wakes it (or joins the wake under way, the
 * local endpoint's or a wake task's) and is asked again, as the local endpoint does for its own
 * callers, instead of failing with the backend's 503. mcpd's stream meanwhile gives its caller
 * its `: waiting` comments, as for any answer slow to start.
 */
export async function runInferTaskAwake(task: InferTask, entry: ProviderToPublish, scope: TaskScope, wake: WakeHandler, log: RegistrarLog): Promise<void> {
  let posted = false;
  const watched: TaskScope = {
    signal: scope.signal,
    identity: scope.identity,
    post: (result: TaskResult) => {
      posted = true;
      return scope.post(result);
    },
  };
  try {
    await runInferTask(task, entry, watched);
    return;
  } catch (error) {
    if (posted || !(await foundAsleep(entry.provider, error, scope.signal))) throw error;
  }
  log.info(`${task.llmName}: its backend is asleep; waking it for a relayed request`);
  try {
    // No wake task: its result would have told mcpd, so the sleep watch's heartbeat does.
    await wake.wake({ llmName: task.llmName, entry, signal: scope.signal, withoutWakeTask: true });
  } catch (wakeError) {
    if (scope.signal.aborted) throw wakeError;
    throw new ProviderUnavailableError(didNotWakeMessage(task.llmName, wakeError), { cause: wakeError, retryAfterSeconds: FAILED_WAKE_RETRY_AFTER_SECONDS });
  }
  await runInferTask(task, entry, scope);
}
