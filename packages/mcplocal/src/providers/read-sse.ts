import { createParser } from 'eventsource-parser';

/** One server-sent event. */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** The events of an SSE body, each yielded as soon as the bytes that complete it arrive. */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const ready: SseEvent[] = [];
  const parser = createParser({ onEvent: (event) => ready.push({ event: event.event, data: event.data }) });
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    while (ready.length > 0) yield ready.shift()!;
  }
  parser.feed(decoder.decode());
  while (ready.length > 0) yield ready.shift()!;
}
