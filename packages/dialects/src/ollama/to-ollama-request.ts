import type { ChatCompletionRequest, OllamaChatRequest } from '@mcpctl/protocol';
import { TranslationError } from '../translation-error.js';
import { toOllamaMessages } from './to-ollama-messages.js';

/* Request fields Ollama reads as sampling options, and ones it reads at the top level. */
const SAMPLING_FIELDS = ['seed', 'top_k', 'min_p', 'presence_penalty', 'frequency_penalty', 'repeat_penalty', 'num_ctx'] as const;
const TOP_LEVEL_FIELDS = ['format', 'keep_alive', 'think'] as const;

/**
 * An OpenAI chat-completions request as a native `/api/chat` request for `model`. Sampling goes
 * in `options` (`num_predict` is the token limit: `max_completion_tokens`, else `max_tokens`);
 * an `options` object in the request is merged in, so Ollama-specific settings reach the
 * server. OpenAI's `response_format` becomes Ollama's `format`. Throws
 * {@link TranslationError} for a request Ollama cannot answer (`n` > 1, an audio part, …).
 */
export function toOllamaRequest(request: ChatCompletionRequest, model: string, stream: boolean): OllamaChatRequest {
  if ((request.n ?? 1) > 1) throw new TranslationError('Ollama models answer one choice per request; n must be 1');
  const ollama: OllamaChatRequest = { model, messages: toOllamaMessages(request.messages), stream };
  const sampling = toSamplingOptions(request);
  if (Object.keys(sampling).length > 0) ollama.options = sampling;
  if (request.tools !== undefined && request.tools.length > 0) ollama.tools = request.tools;
  const format = toOllamaFormat(request['response_format']);
  if (format !== undefined) ollama.format = format;
  for (const field of TOP_LEVEL_FIELDS) if (request[field] !== undefined) ollama[field] = request[field] as never;
  return ollama;
}

function toSamplingOptions(request: ChatCompletionRequest): Record<string, unknown> {
  const sampling: Record<string, unknown> = {};
  for (const field of SAMPLING_FIELDS) if (request[field] !== undefined) sampling[field] = request[field];
  if (isRecord(request['options'])) Object.assign(sampling, request['options']);
  if (request.temperature != null) sampling.temperature = request.temperature;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) sampling.num_predict = maxTokens;
  if (request.top_p != null) sampling.top_p = request.top_p;
  const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
  if (stop.length > 0) sampling.stop = stop;
  return sampling;
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
