import { readSseBatches, SseOverflowError } from '@mcpctl/dialects';
import { McplocalError } from '../errors.js';
import type { ChannelFrame } from '../registrar/control-channel.js';

/** One task frame is a single JSON line; anything near this size is not a frame mcpd sends. */
const MAX_BUFFERED_CHARACTERS = 8 * 1024 * 1024;

export interface EventStreamHandlers {
  onEvent(frame: ChannelFrame): void;
  /** Any bytes at all, comments (`: ping`) included: the sign the connection is alive. */
  onBytes(): void;
}

/**
 * Reads an SSE body to its end, handing each event over as it completes. A failure ends the
 * body's iteration, which cancels it: an overflowing stream does not keep a socket half-read.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, handlers: EventStreamHandlers): Promise<void> {
  try {
    for await (const frames of readSseBatches(body, { maxBufferSize: MAX_BUFFERED_CHARACTERS })) {
      handlers.onBytes();
      for (const frame of frames) {
        if (frame.type === 'event') handlers.onEvent({ event: frame.event ?? 'message', data: frame.data });
      }
    }
  } catch (error) {
    if (error instanceof SseOverflowError) throw new McplocalError('the control stream sent an event larger than 8 MiB', { cause: error });
    throw error;
  }
}
