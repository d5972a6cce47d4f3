import type { ChatCompletionRequest } from '@mcpctl/protocol';
import type { CompletionOptions } from './llm-provider.js';

/**
 * Provider options back in the OpenAI vocabulary every shared dialect translates from. Fields
 * the caller sent that the options do not name (`extra`: `seed`, `response_format`, `top_k`,
 * vendor extensions such as vLLM's `guided_json`) go in unchanged, under the named ones; each
 * dialect then keeps what its server accepts.
 */
export function toChatRequest(options: CompletionOptions): ChatCompletionRequest {
  const request: ChatCompletionRequest = { ...(options.extra ?? {}), messages: options.messages };
  if (options.temperature !== undefined) request.temperature = options.temperature;
  if (options.maxTokens !== undefined) request.max_tokens = options.maxTokens;
  if (options.topP !== undefined) request.top_p = options.topP;
  if (options.stop !== undefined && options.stop.length > 0) request.stop = options.stop;
  if (options.tools !== undefined && options.tools.length > 0) request.tools = options.tools;
  if (options.toolChoice !== undefined) request.tool_choice = options.toolChoice;
  return request;
}
