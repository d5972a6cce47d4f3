import { createParser, type ParseError } from 'eventsource-parser';
import { McplocalError } from '../errors.js';
import type { ChannelFrame } from '../registrar/control-channel.js';

/** One task frame is a single JSON line; anything near this size is not a frame mcpd sends. */
const MAX_BUFFERED_CHARACTERS = 8 * 1024 * 1024;

export interface EventStreamHandlers {
  onEvent(frame: ChannelFrame): void;
  /** Any bytes at all, comments (`: ping`) included: the sign the connection is alive. */
  onBytes(): void;
}

/** Reads an SSE body to its end, handing each event over as it completes. */
export async function readEventStream(body: ReadableStream<Uint8Array>, handlers: EventStreamHandlers): Promise<void> {
  let overflow: ParseError | undefined;
  const parser = createParser({
    maxBufferSize: MAX_BUFFERED_CHARACTERS,
    onEvent: (event) => handlers.onEvent({ event: event.event ?? 'message', data: event.data }),
    onError: (error) => {
      // Unknown fields are skipped as the SSE standard says; only an overflow ends the stream.
      if (error.type === 'max-buffer-size-exceeded') overflow = error;
    },
  });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      handlers.onBytes();
      parser.feed(decoder.decode(value, { stream: true }));
      if (overflow) throw new McplocalError('the control stream sent an event larger than 8 MiB', { cause: overflow });
    }
  } catch (error) {
    // Closes the connection too, so an overflowing stream does not keep a socket half-read.
    await reader.cancel(error).catch(() => undefined);
    throw error;
  }
}
