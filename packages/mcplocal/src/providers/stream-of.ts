import type { CompletionOptions, CompletionResult, LlmProvider, StreamDelta } from './llm-provider.js';

/**
 * The provider's answer as a stream of deltas. A provider without `stream` (an embedder's that
 * answers whole only) still serves streaming callers: its whole answer goes out as one delta per
 * part (reasoning, text, each tool call), then the finish reason and the usage.
 */
export function streamOf(provider: LlmProvider, options: CompletionOptions): AsyncIterable<StreamDelta> {
  if (provider.stream) return provider.stream(options);
  return wholeAnswerAsStream(provider, options);
}

async function* wholeAnswerAsStream(provider: LlmProvider, options: CompletionOptions): AsyncGenerator<StreamDelta> {
  yield* completionAsDeltas(await provider.complete(options));
}

/** A whole answer in the order a stream would have carried it. */
export function completionAsDeltas(result: CompletionResult): StreamDelta[] {
  const deltas: StreamDelta[] = [];
  if (result.reasoning) deltas.push({ type: 'reasoning', text: result.reasoning, field: 'reasoning_content' });
  if (result.content !== '') deltas.push({ type: 'text', text: result.content });
  result.toolCalls.forEach((call, index) => deltas.push({ type: 'tool-call', index, id: call.id, name: call.name, arguments: call.arguments }));
  deltas.push({ type: 'finish', reason: result.finishReason });
  deltas.push({ type: 'usage', usage: result.usage });
  return deltas;
}
