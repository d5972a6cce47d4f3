import { createParser, type ParseError } from 'eventsource-parser';

/** One server-sent event. */
export interface SseEvent {
  type: 'event';
  /** The `event:` field; undefined for the default `message`. */
  event: string | undefined;
  data: string;
}

/** An SSE comment (`: ping`, `: waking NAME 3s`), without the leading colon or surrounding blanks. */
export interface SseComment {
  type: 'comment';
  text: string;
}

export type SseFrame = SseEvent | SseComment;

/** Options of {@link readSseBatches}. */
export interface ReadSseOptions {
  /** Characters one unfinished frame may hold; past it the read fails with {@link SseOverflowError}. */
  maxBufferSize?: number | undefined;
}

/** A frame larger than `maxBufferSize`: no one sends that on purpose, so reading stops. */
export class SseOverflowError extends Error {
  override readonly name = 'SseOverflowError';
}

/**
 * Splits a byte stream into server-sent frames. Each read of the body yields the frames it
 * completed together (possibly none, so a reader sees every read, comments and partial frames
 * included), which lets a relay write what one read brought in one write. At the end an
 * unfinished event is dropped, as SSE requires. Leaving the loop early ends the body's
 * iteration, which cancels a web stream and destroys a Node one.
 */
export async function* readSseBatches(body: AsyncIterable<Uint8Array>, options: ReadSseOptions = {}): AsyncGenerator<SseFrame[]> {
  const decoder = new TextDecoder();
  let batch: SseFrame[] = [];
  let overflow: ParseError | undefined;
  const parser = createParser({
    ...(options.maxBufferSize === undefined ? {} : { maxBufferSize: options.maxBufferSize }),
    onEvent: (event) => batch.push({ type: 'event', event: event.event, data: event.data }),
    onComment: (comment) => batch.push({ type: 'comment', text: comment.trim() }),
    onError: (error) => {
      // Unknown fields are skipped as the SSE standard says; only an overflow ends the stream.
      if (error.type === 'max-buffer-size-exceeded') overflow = error;
    },
  });
  const take = (): SseFrame[] => {
    if (overflow) throw new SseOverflowError(`a stream frame is larger than ${String(options.maxBufferSize)} characters`, { cause: overflow });
    const taken = batch;
    batch = [];
    return taken;
  };
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    yield take();
  }
  parser.feed(decoder.decode());
  const last = take();
  if (last.length > 0) yield last;
}

/** The events of an SSE body (comments left out), each yielded as soon as the bytes that complete it arrive. */
export async function* readSse(body: AsyncIterable<Uint8Array>, options: ReadSseOptions = {}): AsyncGenerator<SseEvent> {
  for await (const frames of readSseBatches(body, options)) {
    for (const frame of frames) if (frame.type === 'event') yield frame;
  }
}
