import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** The whole request body as text; rejects when the client goes away mid-body or sends more than `limitBytes`. */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError(`the request body exceeds ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

export type ParsedJson = { ok: true; value: unknown } | { ok: false; problem: string };

export function parseJson(text: string): ParsedJson {
  if (text.length === 0) return { ok: false, problem: 'the request body is empty' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, problem: `the request body is not valid JSON: ${(error as Error).message}` };
  }
}
