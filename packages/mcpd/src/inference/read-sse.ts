import { createParser } from 'eventsource-parser';
import type { UpstreamEvent } from './dialect.js';

/** Splits a byte stream into server-sent events, yielding every event of each read together. */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<UpstreamEvent[]> {
  const decoder = new TextDecoder();
  let batch: UpstreamEvent[] = [];
  const parser = createParser({ onEvent: (event) => batch.push({ event: event.event, data: event.data }) });
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  parser.feed(decoder.decode());
  if (batch.length > 0) yield batch;
}
