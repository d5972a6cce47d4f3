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
 * Splits an SSE byte stream into frames, read by read, as eventsource-parser alone would, but
 * cheaply for the shape model servers write (LF line ends, each event one `data: ` line): such a
 * frame is found with `indexOf` on the bytes and only its data is decoded. Every other frame
 * (comments, named or multi-line events, unknown fields) goes to the parser byte by byte as it
 * arrives, so comments come as soon as their line ends; and everything from the first CR, or from
 * a leading byte order mark, goes to the parser whole.
 */
export class SseSplitter {
  /**
   * The start of a frame that is, or may still turn out to be, one `data: ` line: held until its
   * line and the blank line after it arrive. It holds no LF but possibly as its very last byte.
   */
  #tail: Buffer[] = [];
  #tailLength = 0;
  /** The parser holds a frame not yet ended; `#lastFedLf`: the last byte it got was an LF. */
  #parserFrame = false;
  #lastFedLf = false;
  #started = false;
  #parserStarted = false;
  /**
   * For the bytes of the parser's frames; a byte order mark there is text, as it is mid-stream.
   * It and the parser are made when the stream first needs them: a stream of one-line `data:`
   * frames never does.
   */
  #frameDecoderMade: TextDecoder | undefined;
  /** Set once the stream leaves the simple shape: from then on the parser reads every byte. */
  #decoder: TextDecoder | undefined;
  #overflow: ParseError | undefined;
  #frames: SseFrame[] = [];
  #parserMade: EventSourceParser | undefined;

  constructor(private readonly maxBufferSize?: number | undefined) {}

  get #frameDecoder(): TextDecoder {
    return (this.#frameDecoderMade ??= new TextDecoder('utf-8', { ignoreBOM: true }));
  }

  get #parser(): EventSourceParser {
    if (this.#parserMade) return this.#parserMade;
    const maxBufferSize = this.maxBufferSize;
    const parser = createParser({
      ...(maxBufferSize === undefined ? {} : { maxBufferSize }),
      onEvent: (event) => this.#frames.push({ type: 'event', event: event.event, data: event.data }),
      onComment: (comment) => this.#frames.push({ type: 'comment', text: comment.trim() }),
      onError: (error) => {
        // Unknown fields are skipped as the SSE standard says; only an overflow ends the stream.
        if (error.type === 'max-buffer-size-exceeded') this.#overflow = error;
      },
    });
    // The stream's start was something the parser did not see (see #startParser).
    if (this.#parserStarted) parser.feed('');
    this.#parserMade = parser;
    return parser;
  }

  /** The frames `bytes` completed. */
  push(bytes: Uint8Array): SseFrame[] {
    if (bytes.length === 0) {
      // The parser alone would be fed an empty text, which uses up its look at the stream's start.
      if (!this.#started) this.#startParser();
      return this.#take();
    }
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!this.#started) {
      this.#started = true;
      // The parser alone, behind a TextDecoder, drops a leading byte order mark.
      if (chunk[0] === BOM_FIRST_BYTE) this.#decoder = new TextDecoder();
    }
    // The frame decoder goes on: it may hold the first bytes of a character split across reads.
    if (!this.#decoder && chunk.indexOf(CR) !== -1) this.#decoder = this.#frameDecoder;
    if (this.#decoder) this.#feedAll(chunk, this.#decoder);
    else this.#split(chunk);
    return this.#take();
  }

  /** The frames the end of the body completed (none, unless the parser held one). */
  end(): SseFrame[] {
    if (this.#decoder) this.#feed(this.#decoder.decode());
    return this.#take();
  }

  #split(chunk: Buffer): void {
    let at = 0;
    if (this.#parserFrame) {
      at = this.#feedFrame(chunk, 0, this.#lastFedLf && chunk[0] === LF ? 1 : frameEnd(chunk, 0));
    } else if (this.#tailLength > 0) {
      at = this.#continueTail(chunk);
    }
    while (at < chunk.length && !this.#parserFrame && this.#tailLength === 0) {
      // A blank line with no field before it dispatches nothing.
      if (chunk[at] === LF) {
        this.#startParser();
        at += 1;
        continue;
      }
      if (!startsWithData(chunk, at)) {
        at = this.#feedFrame(chunk, at, frameEnd(chunk, at));
        continue;
      }
      const lineEnd = chunk.indexOf(LF, at);
      if (lineEnd === -1 || lineEnd === chunk.length - 1) {
        this.#keep(chunk.subarray(at));
        return;
      }
      if (chunk[lineEnd + 1] === LF) {
        this.#dataFrame(chunk, at, lineEnd + 2);
        at = lineEnd + 2;
        continue;
      }
      // A `data` line with more lines after it: the parser's.
      at = this.#feedFrame(chunk, at, frameEnd(chunk, lineEnd + 1));
    }
  }

  /** Goes on with the held start of a frame; answers where the rest of `chunk` begins. */
  #continueTail(chunk: Buffer): number {
    if (this.#tailLength < DATA_FIELD.length) {
      // Too short yet to tell a `data: ` line: read again with what came.
      const joined = Buffer.concat([...this.#tail, chunk]);
      this.#clearTail();
      this.#split(joined);
      return chunk.length;
    }
    const last = this.#tail[this.#tail.length - 1] as Buffer;
    const lineEnd = last[last.length - 1] === LF ? -1 : chunk.indexOf(LF);
    if (lineEnd === -1 && last[last.length - 1] !== LF) {
      this.#keep(chunk);
      return chunk.length;
    }
    if (lineEnd === chunk.length - 1) {
      this.#keep(chunk);
      return chunk.length;
    }
    const next = lineEnd + 1;
    if (chunk[next] === LF) {
      const frame = Buffer.concat([...this.#tail, chunk.subarray(0, next + 1)]);
      this.#clearTail();
      this.#dataFrame(frame, 0, frame.length);
      return next + 1;
    }
    // More lines follow the `data` line: the frame is the parser's, from its start.
    for (const held of this.#tail) this.#feed(this.#frameDecoder.decode(held, { stream: true }));
    this.#clearTail();
    this.#lastFedLf = true;
    return this.#feedFrame(chunk, 0, frameEnd(chunk, next));
  }

  /** Feeds the parser text of the stream, in order. */
  #feed(text: string): void {
    const parser = this.#parser;
    this.#parserStarted = true;
    parser.feed(text);
  }

  /**
   * The parser drops a mis-decoded byte order mark (`ï»¿`) from the first text it is fed, which
   * alone is the stream's start. Once something else was the start (a frame read here, a blank
   * line), it is fed an empty text first, so a later frame is not taken for the start: at once
   * when it exists, else when it is made.
   */
  #startParser(): void {
    if (this.#parserStarted) return;
    this.#parserStarted = true;
    this.#parserMade?.feed('');
  }

  /** One `data: ` line and its blank line, `bytes[start, end)`. */
  #dataFrame(bytes: Buffer, start: number, end: number): void {
    this.#startParser();
    const data = bytes.toString('utf8', start + DATA_FIELD.length, end - 2);
    // Bytes that are not UTF-8 pass on as the replacement character, as a decode and write would.
    const raw = data.includes('\uFFFD') ? undefined : { bytes, start, end };
    this.#frames.push(raw ? { type: 'event', event: undefined, data, raw } : { type: 'event', event: undefined, data });
  }

  /** Feeds `bytes[start, end)` to the parser, or everything from `start` when `end` is -1 (the frame goes on). */
  #feedFrame(bytes: Buffer, start: number, end: number): number {
    const stop = end === -1 ? bytes.length : end;
    if (stop > start) this.#feed(this.#frameDecoder.decode(bytes.subarray(start, stop), { stream: true }));
    this.#parserFrame = end === -1;
    this.#lastFedLf = bytes[stop - 1] === LF;
    return stop;
  }

  #keep(bytes: Buffer): void {
    // Copied: a view would keep the whole read it came in alive.
    this.#tail.push(Buffer.from(bytes));
    this.#tailLength += bytes.length;
    // Past the bound in bytes the frame goes to the parser, whose bound (in characters of the
    // line it holds) decides, as it would alone.
    if (this.maxBufferSize !== undefined && this.#tailLength > this.maxBufferSize) {
      for (const held of this.#tail) this.#feed(this.#frameDecoder.decode(held, { stream: true }));
      this.#parserFrame = true;
      this.#lastFedLf = bytes[bytes.length - 1] === LF;
      this.#clearTail();
    }
  }

  #clearTail(): void {
    this.#tail = [];
    this.#tailLength = 0;
  }

  /** Hands everything from here on to the parser, the held start of a frame first. */
  #feedAll(chunk: Buffer, decoder: TextDecoder): void {
    for (const held of this.#tail) this.#feed(decoder.decode(held, { stream: true }));
    this.#clearTail();
    this.#feed(decoder.decode(chunk, { stream: true }));
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
  return new SseOverflowError(`a stream frame is larger than ${String(limit)} characters`, cause ? { cause } : undefined);
}

/** The index past the first blank line at or after `start` (two LFs in a row), or -1. */
function frameEnd(bytes: Buffer, start: number): number {
  for (let at = bytes.indexOf(LF, start); at !== -1 && at + 1 < bytes.length; at = bytes.indexOf(LF, at + 1)) {
    if (bytes[at + 1] === LF) return at + 2;
  }
  return -1;
}

/** Whether `bytes` at `start` begin with `data: `, or end before it could (a prefix of it). */
function startsWithData(bytes: Buffer, start: number): boolean {
  const length = Math.min(DATA_FIELD.length, bytes.length - start);
  for (let index = 0; index < length; index += 1) {
    if (bytes[start + index] !== DATA_FIELD[index]) return false;
  }
  return true;
}
