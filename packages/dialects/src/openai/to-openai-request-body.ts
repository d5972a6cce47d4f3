import type { ChatCompletionRequest } from '@mcpctl/protocol';

/**
 * An OpenAI-compatible server's request for `model` (the upstream's model id): the caller's
 * body passes through unchanged but for `model` and `stream`, since these servers accept what
 * the caller sent. A stream always asks for the closing usage chunk, because the audit and the
 * relay need token counts whether or not the caller did; a whole answer carries no
 * `stream_options`, which some servers refuse without `stream`.
 */
export function toOpenAiRequestBody(request: ChatCompletionRequest, model: string, stream: boolean): ChatCompletionRequest {
  const body: ChatCompletionRequest = { ...request, model, stream };
  if (stream) {
    const requested = request.stream_options;
    body.stream_options = { ...(typeof requested === 'object' && requested !== null ? requested : {}), include_usage: true };
  } else {
    delete body.stream_options;
  }
  return body;
}
