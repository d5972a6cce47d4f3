import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { readSseBatches, type SseFrame } from '../src/index.js';

/** What eventsource-parser alone makes of the same reads: the reference the byte splitter must match. */
function referenceBatches(reads: Uint8Array[]): SseFrame[][] {
  const decoder = new TextDecoder();
  let batch: SseFrame[] = [];
  const parser = createParser({
    onEvent: (event) => batch.push({ type: 'event', event: event.event, data: event.data }),
    onComment: (comment) => batch.push({ type: 'comment', text: comment.trim() }),
  });
  const batches: SseFrame[][] = [];
  for (const read of reads) {
    parser.feed(decoder.decode(read, { stream: true }));
    batches.push(batch);
    batch = [];
  }
  parser.feed(decoder.decode());
  if (batch.length > 0) batches.push(batch);
  return batches;
}

async function splitBatches(reads: Uint8Array[]): Promise<SseFrame[][]> {
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const read of reads) yield read;
  }
  const batches: SseFrame[][] = [];
  for await (const batch of readSseBatches(body())) batches.push(batch);
  return batches;
}

const withoutRaw = (batches: SseFrame[][]) => batches.map((batch) => batch.map((frame) => (frame.type === 'event' ? { type: frame.type, event: frame.event, data: frame.data } : frame)));

/** A small deterministic generator, so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

const FRAME_SHAPES = [
  (n: number) => `data: {"id":"c","object":"chat.completion.chunk","choices":[{"delta":{"content":"tok${n} é 中"}}]}\n\n`,
  () => 'data: [DONE]\n\n',
  () => 'data:{"no":"space"}\n\n',
  () => 'data:  two spaces\n\n',
  () => 'data\n\n',
  () => 'data: \n\n',
  () => ': keepalive\n\n',
  () => 'event: message_start\ndata: {"a":1}\n\n',
  () => 'data: one\ndata: two\n\n',
  () => 'id: 7\nretry: 100\ndata: x\n\n',
  () => 'unknown: field\n\n',
  () => '\n',
  () => 'data: 😀 emoji\n\n',
  () => ': ping\n',
  () => 'data: a\n: note in a frame\n\n',
  () => '\uFEFFdata: a byte order mark mid-stream\n\n',
  () => 'data: \u0000INVALID\u0000\n\n',
  () => 'da',
  () => '\u00EF\u00BB\u00BFdata: a byte order mark decoded as Latin-1\n\n',
  () => '\n\u00EF\u00BB\u00BFdata: after a blank line\n\n',
  () => 'event: e\ndata: \u20AC split\n\n',
];

/** The body's bytes; `\u0000INVALID\u0000` stands for bytes that are not UTF-8. */
function randomBytes(next: () => number): Uint8Array {
  const parts = randomBody(next).split('\u0000INVALID\u0000');
  const chunks: Uint8Array[] = [];
  parts.forEach((part, index) => {
    if (index > 0) chunks.push(Uint8Array.from([0xff, 0xc3]));
    chunks.push(new TextEncoder().encode(part));
  });
  return Buffer.concat(chunks);
}

function randomBody(next: () => number): string {
  let text = next() < 0.1 ? '\uFEFF' : '';
  const frames = 1 + Math.floor(next() * 12);
  for (let index = 0; index < frames; index += 1) {
    const shape = FRAME_SHAPES[Math.floor(next() * FRAME_SHAPES.length)] ?? FRAME_SHAPES[0];
    text += shape?.(index) ?? '';
  }
  if (next() < 0.15) text = text.replaceAll('\n', '\r\n');
  if (next() < 0.2) text += 'data: unfinished';
  return text;
}

function randomReads(bytes: Uint8Array, next: () => number): Uint8Array[] {
  const reads: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; ) {
    if (next() < 0.05) reads.push(new Uint8Array(0));
    const size = next() < 0.3 ? bytes.length - start : 1 + Math.floor(next() * 40);
    reads.push(bytes.subarray(start, start + size));
    start += size;
  }
  return reads;
}

describe('SSE byte splitter', () => {
  it('gives what eventsource-parser gives, read by read, for bodies of every shape split anywhere', async () => {
    for (let seed = 1; seed <= 5000; seed += 1) {
      const next = random(seed);
      const reads = randomReads(randomBytes(next), next);
      expect(withoutRaw(await splitBatches(reads)), `seed ${seed}`).toEqual(referenceBatches(reads));
    }
  });

  it('marks where a one-line `data: ` frame lies, and its bytes are exactly `data: ${data}\\n\\n`', async () => {
    const body = new TextEncoder().encode('data: {"a":"é"}\n\ndata:{"b":1}\n\n: note\n\nevent: x\ndata: y\n\ndata: [DONE]\n\n');
    const [frames = []] = await splitBatches([body]);
    expect(frames.length).toBe(5);
    const raws = frames.map((frame) => (frame.type === 'event' && frame.raw ? Buffer.from(frame.raw.bytes.subarray(frame.raw.start, frame.raw.end)).toString() : undefined));
    expect(raws).toEqual(['data: {"a":"é"}\n\n', undefined, undefined, undefined, 'data: [DONE]\n\n']);
    for (const frame of frames) {
      if (frame.type === 'event' && frame.raw) expect(frame.raw.bytes.subarray(frame.raw.start, frame.raw.end).toString()).toBe(`data: ${frame.data}\n\n`);
    }
  });

  it('keeps no raw bytes once the stream has a CR: CRLF frames are parsed', async () => {
    const [frames = []] = await splitBatches([new TextEncoder().encode('data: 1\r\n\r\ndata: 2\n\n')]);
    expect(frames).toEqual([
      { type: 'event', event: undefined, data: '1' },
      { type: 'event', event: undefined, data: '2' },
    ]);
  });
});

describe('SSE byte splitter, cases found in review', () => {
  const reads = (...texts: Array<string | number[]>) => texts.map((text) => (typeof text === 'string' ? new TextEncoder().encode(text) : Uint8Array.from(text)));

  it('takes an empty read without losing the frame in progress', async () => {
    const body = reads('data: a\n', '', '\n');
    expect(withoutRaw(await splitBatches(body))).toEqual(referenceBatches(body));
  });

  it('gives a comment with the read that ends its line, and never holds a run of them', async () => {
    const body = reads(': keepalive\n', '\n', ': ping\n: ping\n', ': ping');
    const batches = await splitBatches(body);
    expect(batches).toEqual(referenceBatches(body));
    expect(batches[0]).toEqual([{ type: 'comment', text: 'keepalive' }]);
  });

  it('keeps a byte order mark that comes mid-stream, as the parser does', async () => {
    const body = reads('data: a\n\n', '\uFEFFdata: b\r\n\r\n');
    expect(withoutRaw(await splitBatches(body))).toEqual(referenceBatches(body));
  });

  it('passes bytes that are not UTF-8 on as the replacement character, never as they came', async () => {
    const body = reads([...new TextEncoder().encode('data: x'), 0xff, 10, 10]);
    const [frames = []] = await splitBatches(body);
    expect(frames).toEqual([{ type: 'event', event: undefined, data: 'x\uFFFD' }]);
  });
});

describe('SSE byte splitter, cases found in the second review', () => {
  const reads = (...texts: Array<string | number[]>) => texts.map((text) => (typeof text === 'string' ? new TextEncoder().encode(text) : Uint8Array.from(text)));

  it('keeps a character split across the read that turns the stream over to the parser (the first CR)', async () => {
    const body = reads([...new TextEncoder().encode('event: x\ndata: '), 0xe2, 0x82], [0xac, 13, 10, 13, 10]);
    const batches = await splitBatches(body);
    expect(batches).toEqual(referenceBatches(body));
    expect(batches.flat()).toEqual([{ type: 'event', event: 'x', data: '€' }]);
  });

  it('bounds a frame in characters of its line, as the parser does, not in bytes', async () => {
    async function* body(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode(`data: ${'中'.repeat(400)}`);
      yield new TextEncoder().encode('\n');
      yield new TextEncoder().encode('\n');
    }
    const batches: SseFrame[][] = [];
    for await (const batch of readSseBatches(body(), { maxBufferSize: 1000 })) batches.push(batch);
    expect(batches.flat()).toEqual([{ type: 'event', event: undefined, data: '中'.repeat(400) }]);
  });

  it('reads a mis-decoded byte order mark that comes after the first frame as text, as the parser does', async () => {
    const body = reads('data: a\n\n', '\u00EF\u00BB\u00BFdata: x\n\n');
    expect(withoutRaw(await splitBatches(body))).toEqual(referenceBatches(body));
    const empty = reads('', '\u00EF\u00BB\u00BFdata: x\n\n');
    expect(withoutRaw(await splitBatches(empty))).toEqual(referenceBatches(empty));
  });
});
