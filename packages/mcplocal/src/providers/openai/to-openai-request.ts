import type { ChatCompletionRequest } from '@mcpctl/protocol';
import type { CompletionOptions } from '../llm-provider.js';

/**
 * A chat-completions body for `model`. Fields the caller sent that the options do not name
 * (`extra`: `seed`, `response_format`, vendor extensions such as vLLM's `guided_json`) go out
 * unchanged, under the named ones. A stream always asks for the closing usage chunk.
 */
export function toOpenAiRequest(options: CompletionOptions, model: string, stream: boolean): ChatCompletionRequest {
  const extra = options.extra ?? {};
  const body: ChatCompletionRequest = { ...extra, model, messages: options.messages, stream };
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens;
  if (options.topP !== undefined) body.top_p = options.topP;
  if (options.stop !== undefined && options.stop.length > 0) body.stop = options.stop;
  if (options.tools !== undefined && options.tools.length > 0) body.tools = options.tools;
  if (options.toolChoice !== undefined) body.tool_choice = options.toolChoice;
  if (stream) {
    const requested = extra['stream_options'];
    const streamOptions = typeof requested === 'object' && requested !== null ? requested : {};
    body.stream_options = { ...streamOptions, include_usage: true };
  } else {
    delete body.stream_options;
  }
  return body;
}
