import type { InferTask, TaskResult } from '@mcpctl/protocol';
import type { PostedResult } from './control-channel.js';
import { ChunkMapper } from './chunk-mapping.js';
import type { CompletionIdentity } from './completion-identity.js';
import { toChatCompletion } from './completion-mapping.js';
import { streamOf } from '../providers/stream-of.js';
import type { ProviderToPublish } from './registrar-options.js';
import { toCompletionOptions } from './request-mapping.js';

/** One task's side of the channel: its results go out through `post`, in the order they are posted. */
export interface TaskScope {
  signal: AbortSignal;
  /**
   * Answers at once when the channel took the result without waiting (see {@link PostedResult}).
   * The result is numbered in place (`seq`): each post takes an object of its own.
   */
  post(result: TaskResult): PostedResult;
  identity: CompletionIdentity;
}

/**
 * Calls the local provider and relays its answer. A stream is relayed chunk by chunk, in order,
 * each post that did not deliver at once awaited before the next, so mcpd hands them on in order
 * and the caller sees tokens as the local server makes them. A server that speaks the OpenAI
 * dialect has its answer passed on as it wrote it (a stream chunk by chunk, untouched); any other
 * has its answer made into the OpenAI shape here, named after the published LLM. Stops without a
 * word once mcpd says the task is gone.
 */
export async function runInferTask(task: InferTask, entry: ProviderToPublish, scope: TaskScope): Promise<void> {
  const options = toCompletionOptions(task.request, scope.signal);
  if (!task.streaming) {
    if (entry.provider.completionBody) {
      await scope.post({ status: 200, body: await entry.provider.completionBody(options) });
      return;
    }
    const result = await entry.provider.complete(options);
    await scope.post({ status: 200, body: toChatCompletion(result, scope.identity) });
    return;
  }
  if (entry.provider.relayChunks) {
    // A `gone` aborts the task's signal (TaskScope), which cuts the local call.
    await entry.provider.relayChunks(options, (data) => scope.post({ chunk: { data } }));
    await scope.post({ chunk: { data: '[DONE]', done: true } });
    return;
  }
  const mapper = new ChunkMapper(scope.identity);
  for await (const delta of streamOf(entry.provider, options)) {
    if ((await scope.post({ chunk: { data: JSON.stringify(mapper.map(delta)) } })) === 'gone') return;
  }
  if (!mapper.finished && (await scope.post({ chunk: { data: JSON.stringify(mapper.finish()) } })) === 'gone') return;
  await scope.post({ chunk: { data: '[DONE]', done: true } });
}
