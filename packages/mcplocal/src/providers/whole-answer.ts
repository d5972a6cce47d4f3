import { errorMessageIn, isJsonType, notACompletionMessage } from '@mcpctl/dialects';
import type { UpstreamAnswer } from '@mcpctl/upstream';
import { ProviderError } from '../errors.js';
import { bodyFailure, type ResponseSchema } from './provider-http.js';

/**
 * The answer a server that ignores `stream` gave a streaming request, whole, of `mediaType` (a
 * type `wholeAnswerType` named): its body as `schema` reads it, or a 502 saying what came (not
 * JSON, or JSON of another shape, quoting the error message it carries).
 */
export async function readWholeAnswer<T>(answer: UpstreamAnswer, mediaType: string, provider: string, schema: ResponseSchema<T>, signal: AbortSignal | undefined): Promise<T> {
  const notAnAnswer = (said?: string) => new ProviderError(502, notACompletionMessage(`provider "${provider}"`, mediaType, said));
  if (!isJsonType(mediaType)) {
    answer.cut();
    throw notAnAnswer();
  }
  let body: unknown;
  try {
    body = JSON.parse(await answer.text());
  } catch (error) {
    if (error instanceof SyntaxError) throw notAnAnswer();
    throw bodyFailure(error, provider, signal);
  }
  const read = schema.safeParse(body);
  if (!read.success) throw notAnAnswer(errorMessageIn(body));
  return read.data;
}
