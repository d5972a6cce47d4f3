import { describe, expect, it } from 'vitest';
import {
  errorMessageIn,
  ollamaEndpoint,
  parseStreamFrame,
  parseToolArguments,
  readLines,
  readSse,
  readSseBatches,
  SseOverflowError,
  type SseFrame,
  upstreamEndpoint,
  upstreamErrorMessage,
} from '../src/index.js';
import { errorBodyCases, streamFrameCases } from './fixtures/error-bodies.js';
import { lineCases, sseCases } from './fixtures/sse-bodies.js';
import { endpointCases, toolArgumentCases } from './fixtures/small-mappings.js';

async function* bodyOf(reads: Array<string | number[]>): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for (const read of reads) yield typeof read === 'string' ? encoder.encode(read) : Uint8Array.from(read);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}

describe('upstream error body -> message', () => {
  it.each(errorBodyCases)('$name', ({ body, message }) => {
    expect(upstreamErrorMessage(body)).toBe(message);
  });

  it('reads a parsed body by the same rule; a text body is its own message', () => {
    expect(errorMessageIn({ error: { message: 'KV cache exhausted' } })).toBe('KV cache exhausted');
    expect(errorMessageIn('Bad Gateway')).toBe('Bad Gateway');
    expect(errorMessageIn('')).toBeUndefined();
    expect(errorMessageIn({ ok: true })).toBeUndefined();
  });
});

describe('stream frame -> JSON or error', () => {
  it.each(streamFrameCases)('$name', ({ text, expected }) => {
    expect(parseStreamFrame(text)).toMatchObject(expected);
  });
});

describe('SSE body -> frames', () => {
  it.each(sseCases)('$name', async ({ reads, batches }) => {
    const withoutRaw = (frame: SseFrame) => (frame.type === 'event' ? { type: frame.type, event: frame.event, data: frame.data } : frame);
    expect((await collect(readSseBatches(bodyOf(reads)))).map((batch) => batch.map(withoutRaw))).toEqual(batches);
    const events = batches.flat().filter((frame) => frame.type === 'event');
    expect((await collect(readSse(bodyOf(reads)))).map(withoutRaw)).toEqual(events);
  });

  it('fails a frame past maxBufferSize, and stops reading the body', async () => {
    let reads = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        reads += 1;
        yield new TextEncoder().encode(`data: ${'x'.repeat(100)}`);
      }
    }
    await expect(collect(readSseBatches(endless(), { maxBufferSize: 1000 }))).rejects.toThrow(SseOverflowError);
    expect(reads).toBeLessThan(20);
  });
});

describe('NDJSON body -> lines', () => {
  it.each(lineCases)('$name', async ({ reads, lines }) => {
    expect(await collect(readLines(bodyOf(reads)))).toEqual(lines);
  });
});

describe('base URL -> endpoint', () => {
  it.each(endpointCases)('$base + $endpoint', ({ base, endpoint, openAiOrAnthropic, ollama }) => {
    expect(upstreamEndpoint(base, endpoint)).toBe(openAiOrAnthropic);
    expect(ollamaEndpoint(base, endpoint)).toBe(ollama);
  });
});

describe('tool-call arguments -> object', () => {
  it.each(toolArgumentCases)('$text', ({ text, object }) => {
    expect(parseToolArguments(text)).toEqual(object);
  });
});
