import { chatCompletionChunkSchema, chatCompletionSchema } from '@mcpctl/protocol';
import { chatRequestBody, requestHeaders, type BenchPath } from './bench-path.js';
import { BenchError } from './errors.js';

/**
 * Sends one request of each shape on every path and demands the same answer text everywhere, so
 * a path that answers quickly but wrongly (an error page, an empty stream) is never measured.
 * Answers the paths with the JSON chunks each path's streamed answer came in, the count a
 * gateway's CPU per chunk is charged by.
 */
export async function checkPathsAgree(paths: readonly BenchPath[]): Promise<BenchPath[]> {
  const chunks = new Map<string, number>();
  for (const streaming of [false, true]) {
    let expected: { path: string; text: string } | undefined;
    for (const path of paths) {
      const { text, streamedChunks } = await answerText(path, streaming);
      if (streaming) chunks.set(path.name, streamedChunks);
      if (text === '') throw new BenchError(`${path.name} answered a ${describe(streaming)} request with no text`);
      expected ??= { path: path.name, text };
      if (text !== expected.text) {
        throw new BenchError(
          `${path.name} answered a ${describe(streaming)} request with "${text}", ${expected.path} with "${expected.text}"`,
        );
      }
    }
  }
  return paths.map((path) => ({ ...path, streamedChunks: chunks.get(path.name) }));
}

async function answerText(path: BenchPath, streaming: boolean): Promise<{ text: string; streamedChunks: number }> {
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
    if (streaming) return streamedText(text);
    return { text: chatCompletionSchema.parse(JSON.parse(text)).choices[0]?.message.content ?? '', streamedChunks: 0 };
  } catch (error) {
    throw new BenchError(`${path.name} answered a ${describe(streaming)} request with something unreadable: ${text.slice(0, 200)}`, {
      cause: error,
    });
  }
}

/** The concatenated `delta.content` of every `data:` frame of an OpenAI stream, each frame checked against the schema, and how many there were. */
function streamedText(body: string): { text: string; streamedChunks: number } {
  let text = '';
  let streamedChunks = 0;
  for (const line of body.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') break;
    const chunk = chatCompletionChunkSchema.parse(JSON.parse(data));
    streamedChunks += 1;
    text += chunk.choices[0]?.delta.content ?? '';
  }
  return { text, streamedChunks };
}

function describe(streaming: boolean): string {
  return streaming ? 'streaming' : 'non-streaming';
}
