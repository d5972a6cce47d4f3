import type { ChatCompletionRequest } from '@mcpctl/protocol';

export interface OpenAiRequestBodyOptions {
  /**
   * Whether a stream asks for the closing usage chunk when the caller did not. On unless the
   * server is known to refuse `stream_options` ({@link refusesStreamOptions}).
   */
  askUsage?: boolean;
}

/**
 * An OpenAI-compatible server's request for `model` (the upstream's model id): the caller's
 * body passes through unchanged but for `model` and `stream`, since these servers accept what
 * the caller sent. A stream asks for the closing usage chunk, because the audit and the relay
 * need token counts whether or not the caller did; a whole answer carries no `stream_options`,
 * which some servers refuse without `stream`.
 */
export function toOpenAiRequestBody(
  request: ChatCompletionRequest,
  model: string,
  stream: boolean,
  options: OpenAiRequestBodyOptions = {},
): ChatCompletionRequest {
  const body: ChatCompletionRequest = { ...request, model, stream };
  if (stream && options.askUsage !== false) {
    const requested = request.stream_options;
    body.stream_options = { ...(typeof requested === 'object' && requested !== null ? requested : {}), include_usage: true };
  } else if (!stream) {
    delete body.stream_options;
  }
  return body;
}

/** Whether the caller's own request asked for the usage chunk (then a refusal of it is the caller's to see). */
export function asksForUsage(request: ChatCompletionRequest): boolean {
  return request.stream_options?.include_usage === true;
}

/**
 * Whether an error answer refuses the `stream_options` a stream was sent with. Servers that
 * validate strictly (Mistral's API: 422 `extra_forbidden` at `stream_options.include_usage`;
 * some OpenAI-compatible servers: 400 naming the field) do, and usage then comes in the last
 * chunk or not at all. Only 400 and 422 count, and only when the field is named: a request the
 * server refuses for another reason is never sent twice.
 */
export function refusesStreamOptions(status: number, errorText: string): boolean {
  return (status === 400 || status === 422) && errorText.includes('stream_options');
}
