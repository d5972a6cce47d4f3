import { createParser, type EventSourceParser, type ParseError } from 'eventsource-parser';
import { TextDecoder } from 'node:util';
import type { SseFrame } from './read-sse.js';

/** A frame larger than `maxBufferSize`: no one sends that on purpose, so reading stops. */
export class SseOverflowError extends Error {
  override readonly name = 'SseOverflowError';
}

const LF = 0x0a;
const CR = 0x0d;
const BOM_FIRST_BYTE = 0xef;
const DATA_FIELD = Buffer.from('data: ');

/**
 * The stream as model servers write it (LF line ends, each event one `data:` line) is split on
 * its bytes: a frame is found with two `indexOf` calls and its data decoded on its own, with
 * no pass over the text line by line. Every other frame (comments, named or multi-line events)
 * goes whole to eventsource-parser, and so does everything from the first CR or a leading byte
 * order mark on, so the result is what the parser alone would give.
 */
export class SseSplitter {
  /** Bytes of the frame in progress, not yet ended by a blank line; never starts with LF. */
  #tail: Buffer[] = [];
  #tailLength = 0;
  #started = false;
  /** Set once the stream leaves the simple shape: from then on the parser reads every byte. */
  #decoder: TextDecoder | undefined;
  #overflow: ParseError | undefined;
  #frames: SseFrame[] = [];
  readonly #parser: EventSourceParser;

  constructor(private readonly maxBufferSize?: number | undefined) {
    this.#parser = createParser({
      ...(maxBufferSize === undefined ? {} : { maxBufferSize }),
      onEvent: (event) => this.#frames.push({ type: 'event', event: event.event, data: event.data }),
      onComment: (comment) => this.#frames.push({ type: 'comment', text: comment.trim() }),
      onError: (error) => {
        // Unknown fields are skipped as the SSE standard says; only an overflow ends the stream.
        if (error.type === 'max-buffer-size-exceeded') this.#overflow = error;
      },
    });
  }

  /** The frames `bytes` completed. */
  push(bytes: Uint8Array): SseFrame[] {
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!this.#started && chunk.length > 0) {
      this.#started = true;
      if (chunk[0] === BOM_FIRST_BYTE) this.#decoder = new TextDecoder();
    }
    if (!this.#decoder && chunk.indexOf(CR) !== -1) this.#decoder = new TextDecoder();
    if (this.#decoder) {
      this.#feedParser(chunk);
    } else {
      this.#split(chunk);
    }
    return this.#take();
  }

  /** The frames the end of the body completed (none, unless the parser held one). */
  end(): SseFrame[] {
    if (this.#decoder) this.#parser.feed(this.#decoder.decode());
    return this.#take();
  }

  #split(chunk: Buffer): void {
    let start = 0;
    if (this.#tailLength > 0) {
      const end = this.#tailEnd(chunk);
      if (end === -1) {
        this.#keep(chunk);
        return;
      }
      const frame = Buffer.concat([...this.#tail, chunk.subarray(0, end)], this.#tailLength + end);
      this.#tail = [];
      this.#tailLength = 0;
      this.#frame(frame, 0, frame.length);
      start = end;
    }
    while (start < chunk.length) {
      // A blank line with no field before it dispatches nothing.
      if (chunk[start] === LF) {
        start += 1;
        continue;
      }
      const end = frameEnd(chunk, start);
      if (end === -1) break;
      this.#frame(chunk, start, end);
      start = end;
    }
    if (start < chunk.length) this.#keep(chunk.subarray(start));
  }

  /** Where the frame in progress ends in `chunk` (past its blank line), or -1. */
  #tailEnd(chunk: Buffer): number {
    const last = this.#tail[this.#tail.length - 1];
    if (last?.[last.length - 1] === LF && chunk[0] === LF) return 1;
    return frameEnd(chunk, 0);
  }

  /** One whole frame, `end` past its blank line: one `data: ` line is read here, the rest by the parser. */
  #frame(bytes: Buffer, start: number, end: number): void {
    const lineEnd = end - 2;
    if (bytes.indexOf(LF, start) === lineEnd && startsWith(bytes, start, DATA_FIELD)) {
      this.#frames.push({
        type: 'event',
        event: undefined,
        data: bytes.toString('utf8', start + DATA_FIELD.length, lineEnd),
        raw: { bytes, start, end },
      });
      return;
    }
    this.#parser.feed(bytes.toString('utf8', start, end));
  }

  #keep(bytes: Buffer): void {
    // Copied: a view would keep the whole read it came in alive.
    this.#tail.push(Buffer.from(bytes));
    this.#tailLength += bytes.length;
    if (this.maxBufferSize !== undefined && this.#tailLength > this.maxBufferSize) {
      throw overflowError(this.maxBufferSize);
    }
  }

  /** Hands everything from here on to the parser, the frame in progress first. */
  #feedParser(chunk: Buffer): void {
    const decoder = this.#decoder as TextDecoder;
    for (const held of this.#tail) this.#parser.feed(decoder.decode(held, { stream: true }));
    this.#tail = [];
    this.#tailLength = 0;
    this.#parser.feed(decoder.decode(chunk, { stream: true }));
  }

  #take(): SseFrame[] {
    if (this.#overflow) {
      throw overflowError(this.maxBufferSize, this.#overflow);
    }
    const taken = this.#frames;
    this.#frames = [];
    return taken;
  }
}

function overflowError(limit: number | undefined, cause?: ParseError): SseOverflowError {
  return new SseOverflowError(`a stream frame is larger than ${String(limit)} bytes`, cause ? { cause } : undefined);
}

/** The index past the first blank line at or after `start` (two LFs in a row), or -1. */
function frameEnd(bytes: Buffer, start: number): number {
  for (let at = bytes.indexOf(LF, start); at !== -1 && at + 1 < bytes.length; at = bytes.indexOf(LF, at + 1)) {
    if (bytes[at + 1] === LF) return at + 2;
  }
  return -1;
}

function startsWith(bytes: Buffer, start: number, prefix: Buffer): boolean {
  if (bytes.length - start < prefix.length) return false;
  for (let index = 0; index < prefix.length; index += 1) {
    if (bytes[start + index] !== prefix[index]) return false;
  }
  return true;
}
