import type { OllamaChatRequest } from '@mcpctl/protocol';
import type { CompletionOptions } from '../llm-provider.js';
import { toOllamaMessages } from './to-ollama-messages.js';

/* Extra request fields Ollama reads as sampling options, and ones it reads at the top level. */
const SAMPLING_FIELDS = ['seed', 'top_k', 'min_p', 'presence_penalty', 'frequency_penalty', 'repeat_penalty', 'num_ctx'] as const;
const TOP_LEVEL_FIELDS = ['format', 'keep_alive', 'think'] as const;

/**
 * A native `/api/chat` request for `model`. Sampling goes in `options` (`num_predict` is the
 * token limit); an `options` object among the extra fields is merged in, so Ollama-specific
 * settings reach the server. OpenAI's `response_format` becomes Ollama's `format`.
 */
export function toOllamaRequest(options: CompletionOptions, model: string, stream: boolean): OllamaChatRequest {
  const extra = options.extra ?? {};
  const sampling: Record<string, unknown> = {};
  for (const field of SAMPLING_FIELDS) if (extra[field] !== undefined) sampling[field] = extra[field];
  if (isRecord(extra['options'])) Object.assign(sampling, extra['options']);
  if (options.temperature !== undefined) sampling.temperature = options.temperature;
  if (options.maxTokens !== undefined) sampling.num_predict = options.maxTokens;
  if (options.topP !== undefined) sampling.top_p = options.topP;
  if (options.stop !== undefined && options.stop.length > 0) sampling.stop = options.stop;

  const request: OllamaChatRequest = { model, messages: toOllamaMessages(options.messages), stream };
  if (Object.keys(sampling).length > 0) request.options = sampling;
  if (options.tools !== undefined && options.tools.length > 0) request.tools = options.tools;
  const format = toOllamaFormat(extra['response_format']);
  if (format !== undefined) request.format = format;
  for (const field of TOP_LEVEL_FIELDS) if (extra[field] !== undefined) request[field] = extra[field] as never;
  return request;
}

function toOllamaFormat(responseFormat: unknown): unknown {
  if (!isRecord(responseFormat)) return undefined;
  if (responseFormat.type === 'json_object') return 'json';
  if (responseFormat.type === 'json_schema' && isRecord(responseFormat.json_schema)) return responseFormat.json_schema.schema;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
