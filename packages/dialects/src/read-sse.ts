import { SseSplitter } from './sse-splitter.js';

export { SseOverflowError } from './sse-splitter.js';

/** One server-sent event. */
export interface SseEvent {
  type: 'event';
  /** The `event:` field; undefined for the default `message`. */
  event: string | undefined;
  data: string;
  /**
   * Where the frame's bytes lie, when they are exactly `data: ${data}\n\n`: a relay that passes
   * the event on unchanged can write these instead of encoding the text again.
   */
  raw?: RawFrame;
}

/** A frame's place in the read it came in: `bytes[start, end)`. Offsets, so no view is made per frame. */
export interface RawFrame {
  bytes: Buffer;
  start: number;
  end: number;
}

/** An SSE comment (`: ping`, `: waking NAME 3s`), without the leading colon or surrounding blanks. */
export interface SseComment {
  type: 'comment';
  text: string;
}

export type SseFrame = SseEvent | SseComment;

/** Options of {@link readSseBatches}. */
export interface ReadSseOptions {
  /** Characters the line in progress may hold (eventsource-parser's bound); past it the read fails with {@link SseOverflowError}. */
  maxBufferSize?: number | undefined;
}

/**
 * Splits a byte stream into server-sent frames. Each read of the body yields the frames it
 * completed together (possibly none, so a reader sees every read, comments and partial frames
 * included), which lets a relay write what one read brought in one write. At the end an
 * unfinished event is dropped, as SSE requires. Leaving the loop early ends the body's
 * iteration, which cancels a web stream and destroys a Node one.
 */
export async function* readSseBatches(body: AsyncIterable<Uint8Array>, options: ReadSseOptions = {}): AsyncGenerator<SseFrame[]> {
  const splitter = new SseSplitter(options.maxBufferSize);
  for await (const bytes of body) yield splitter.push(bytes);
  const last = splitter.end();
  if (last.length > 0) yield last;
}

/** The events of an SSE body (comments left out), each yielded as soon as the bytes that complete it arrive. */
export async function* readSse(body: AsyncIterable<Uint8Array>, options: ReadSseOptions = {}): AsyncGenerator<SseEvent> {
  for await (const frames of readSseBatches(body, options)) {
    for (const frame of frames) if (frame.type === 'event') yield frame;
  }
}
