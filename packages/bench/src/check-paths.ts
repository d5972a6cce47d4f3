import { chatCompletionChunkSchema, chatCompletionSchema } from '@mcpctl/protocol';
import { chatRequestBody, requestHeaders, type BenchPath } from './bench-path.js';
import { BenchError } from './errors.js';

/**
 * Sends one request of each shape on every path and demands the same answer text everywhere, so
 * a path that answers quickly but wrongly (an error page, an empty stream) is never measured.
 */
export async function checkPathsAgree(paths: readonly BenchPath[]): Promise<void> {
  for (const streaming of [false, true]) {
    let expected: { path: string; text: string } | undefined;
    for (const path of paths) {
      const text = await answerText(path, streaming);
      if (text === '') throw new BenchError(`${path.name} answered a ${describe(streaming)} request with no text`);
      expected ??= { path: path.name, text };
      if (text !== expected.text) {
        throw new BenchError(
          `${path.name} answered a ${describe(streaming)} request with "${text}", ${expected.path} with "${expected.text}"`,
        );
      }
    }
  }
}

async function answerText(path: BenchPath, streaming: boolean): Promise<string> {
  const body = chatRequestBody(path, streaming);
  let response: Response;
  let text: string;
  try {
    response = await fetch(path.url, { method: 'POST', headers: requestHeaders(path), body, signal: AbortSignal.timeout(10_000) });
    text = await response.text();
  } catch (error) {
    throw new BenchError(`cannot send a ${describe(streaming)} request to ${path.name} (${path.url})`, { cause: error });
  }
  if (!response.ok) throw new BenchError(`${path.name} answered a ${describe(streaming)} request with ${response.status}: ${text}`);
  try {
    return streaming ? streamedText(text) : (chatCompletionSchema.parse(JSON.parse(text)).choices[0]?.message.content ?? '');
  } catch (error) {
    throw new BenchError(`${path.name} answered a ${describe(streaming)} request with something unreadable: ${text.slice(0, 200)}`, {
      cause: error,
    });
  }
}

/** The concatenated `delta.content` of every `data:` frame of an OpenAI stream, each frame checked against the schema. */
function streamedText(body: string): string {
  let text = '';
  for (const line of body.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') break;
    const chunk = chatCompletionChunkSchema.parse(JSON.parse(data));
    text += chunk.choices[0]?.delta.content ?? '';
  }
  return text;
}

function describe(streaming: boolean): string {
  return streaming ? 'streaming' : 'non-streaming';
}
