import type { RawFrame } from '@mcpctl/dialects';

/**
 * What one read of a stream writes to the caller, gathered for a single write: frames made
 * here as text, and frames passed on as the bytes they came as. Frames that lie side by side in
 * the read they came from stay one range, so a read whose frames all pass unchanged is written
 * as a view of the upstream's own buffer, neither decoded nor encoded again.
 */
export class SseOutput {
  #pieces: Array<string | RawFrame> = [];

  text(text: string): void {
    const last = this.#pieces.length - 1;
    const previous = this.#pieces[last];
    if (typeof previous === 'string') this.#pieces[last] = previous + text;
    else this.#pieces.push(text);
  }

  bytes(frame: RawFrame): void {
    const last = this.#pieces.length - 1;
    const previous = this.#pieces[last];
    if (typeof previous === 'object' && previous.bytes === frame.bytes && previous.end === frame.start) {
      this.#pieces[last] = { bytes: previous.bytes, start: previous.start, end: frame.end };
    } else {
      this.#pieces.push(frame);
    }
  }

  /** One string or one buffer for the write; undefined when nothing is to be written. */
  take(): string | Uint8Array | undefined {
    const pieces = this.#pieces;
    this.#pieces = [];
    const [first] = pieces;
    if (pieces.length > 1) return Buffer.concat(pieces.map(toBytes));
    if (first === undefined || first === '') return undefined;
    return typeof first === 'string' ? first : toBytes(first);
  }
}

function toBytes(piece: string | RawFrame): Uint8Array {
  return typeof piece === 'string' ? Buffer.from(piece) : piece.bytes.subarray(piece.start, piece.end);
}
