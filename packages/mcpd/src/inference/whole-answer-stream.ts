import { completionChunks, isJsonType, notACompletionMessage, receivedCompletionSchema } from '@mcpctl/dialects';
import type { ChatCompletionChunk } from '@mcpctl/protocol';
import { badGateway, HttpError } from '../errors.js';
import { DEFAULT_STREAM_SOURCE, type Dialect, type StreamContext, type StreamPart } from './dialect.js';

/**
 * A streaming request answered whole by a server that ignores `stream` (some OpenAI-compatible
 * servers do): the completion as the parts of a stream, so the caller's client reads a stream
 * as it asked, and the audit sees the usage and the text as for any other. Throws the 502 that
 * names what came, before any byte of the answer went out, when it is not a chat completion;
 * a body of another type than JSON is not read.
 */
export async function wholeAnswerParts(mediaType: string, readText: () => Promise<string>, dialect: Dialect, context: StreamContext): Promise<StreamPart[]> {
  if (!isJsonType(mediaType)) throw notACompletion(mediaType, context);
  const text = await readText();
  const body = parseJson(text);
  let json: string;
  try {
    // The dialect's own reading: an Anthropic message becomes a chat completion here.
    ({ json } = dialect.readCompletion(body, text, context));
  } catch (error) {
    if (error instanceof HttpError) throw notACompletion(mediaType, context, dialect.readErrorMessage(body));
    throw error;
  }
  const completion = receivedCompletionSchema.safeParse(json === text ? body : JSON.parse(json));
  if (!completion.success) throw notACompletion(mediaType, context, dialect.readErrorMessage(body));
  // Usage is always made a chunk: the audit needs it; it reaches only a caller who asked for it.
  const envelope = { id: 'chatcmpl-mcpd', created: context.created, model: context.model };
  const chunks = completionChunks(completion.data, { envelope, includeUsage: context.includeUsage, usageChunk: true });
  return [...chunks.map((chunk) => toPart(chunk, context)), { type: 'done' }];
}

/** `said`: the error message a JSON body carried (a server that answers its failures with a 200). */
function notACompletion(mediaType: string, context: StreamContext, said?: string): HttpError {
  const source = context.source ?? DEFAULT_STREAM_SOURCE;
  return badGateway(notACompletionMessage(source, mediaType, said));
}

/** The parsed body; a body that is not JSON is left as its text, which names no error. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toPart(chunk: ChatCompletionChunk, context: StreamContext): StreamPart {
  const usageOnly = chunk.choices.length === 0;
  return { type: 'chunk', data: JSON.stringify(chunk), chunk, forward: !usageOnly || context.includeUsage };
}
