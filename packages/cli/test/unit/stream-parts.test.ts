import { describe, expect, it } from 'vitest';
import { readStreamParts, type StreamPart } from '../../src/stream-parts.js';

function body(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of readStreamParts(stream)) parts.push(part);
  return parts;
}

const chunk = (content: string): string =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content } }] });

describe('readStreamParts', () => {
  it('yields comments, chunks and done, even when frames are split across reads', () => {
    const text = `: waking qwen3 3s\n\n: ping\n\ndata: ${chunk('Hel')}\n\ndata: ${chunk('lo')}\n\ndata: [DONE]\n\n`;
    const pieces = [text.slice(0, 7), text.slice(7, 40), text.slice(40, 41), text.slice(41)];
    return expect(collect(body(pieces))).resolves.toMatchObject([
      { type: 'comment', text: 'waking qwen3 3s' },
      { type: 'comment', text: 'ping' },
      { type: 'chunk', chunk: { choices: [{ delta: { content: 'Hel' } }] } },
      { type: 'chunk', chunk: { choices: [{ delta: { content: 'lo' } }] } },
      { type: 'done' },
    ]);
  });

  it('turns an error frame into an error part and stops there', async () => {
    const parts = await collect(
      body([`data: ${chunk('a')}\n\n`, 'data: {"error":{"message":"upstream died","type":"upstream_error"}}\n\n', `data: ${chunk('b')}\n\n`]),
    );
    expect(parts.map((part) => part.type)).toEqual(['chunk', 'error']);
    expect(parts[1]).toEqual({ type: 'error', message: 'upstream died', errorType: 'upstream_error' });
  });

  it('reports frames that are not JSON or not chunks', async () => {
    expect(await collect(body(['data: {oops\n\n']))).toMatchObject([{ type: 'error', message: expect.stringMatching(/not JSON: \{oops/) }]);
    expect(await collect(body(['data: {"id":1}\n\n']))).toMatchObject([{ type: 'error', message: expect.stringMatching(/malformed chunk/) }]);
  });

  it('ends without done when the body ends early, dropping an unfinished frame as SSE requires', async () => {
    expect(await collect(body([`data: ${chunk('x')}\n\n`, `data: ${chunk('y')}\n`]))).toMatchObject([
      { type: 'chunk', chunk: { choices: [{ delta: { content: 'x' } }] } },
    ]);
  });

  it('ends with an error part naming how the connection broke, when the body is cut mid-answer', async () => {
    const encoder = new TextEncoder();
    const cut = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(`data: ${chunk('Hel')}\n\n`));
        const socketError = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
        controller.error(new TypeError('terminated', { cause: socketError }));
      },
    });
    const parts = await collect(cut);
    expect(parts.at(-1)).toEqual({
      type: 'error',
      message: 'the connection to mcpd broke mid-answer: terminated (other side closed, UND_ERR_SOCKET)',
      errorType: undefined,
    });
  });

  it('lets a failure that is not the network through', async () => {
    const broken = new ReadableStream<Uint8Array>({ start: (controller) => controller.error(new Error('a bug')) });
    await expect(collect(broken)).rejects.toThrow('a bug');
  });
});
