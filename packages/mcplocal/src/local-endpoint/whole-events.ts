const LF = 0x0a;
const CR = 0x0d;

/**
 * Passes an SSE stream on in whole events: each read's bytes up to its last event end (a blank
 * line), holding the part of an event that has not ended yet until a later read ends it. A
 * stream that breaks off then ends with an error frame after whole events, never after half of
 * one, whose JSON the caller's parser would fail on before it reached the error.
 *
 * Events end with `\n\n` or `\r\n\r\n` (mcpd writes the first). What is held is bounded: past
 * `maxHeldBytes` without an event end (a stream of lone `\r` line ends, or no events at all) the
 * bytes are passed on as they come.
 */
export class WholeEvents {
  #held: Uint8Array[] = [];
  #heldBytes = 0;

  constructor(private readonly maxHeldBytes = MAX_HELD_BYTES) {}

  /** The bytes of `chunk` and of what was held that end on an event end; may be empty. */
  take(chunk: Uint8Array): Uint8Array {
    const end = lastEventEnd(chunk, this.#heldByte(1), this.#heldByte(2));
    if (end < 0) {
      if (this.#heldBytes + chunk.length > this.maxHeldBytes) return Buffer.concat([this.rest(), chunk]);
      if (chunk.length > 0) {
        this.#held.push(chunk);
        this.#heldBytes += chunk.length;
      }
      return EMPTY;
    }
    if (end === chunk.length && this.#held.length === 0) return chunk;
    const whole = this.#held.length === 0 ? chunk.subarray(0, end) : Buffer.concat([...this.#held, chunk.subarray(0, end)]);
    // A copy: a view would keep the whole read's buffer for the sake of its tail.
    this.#held = end < chunk.length ? [Buffer.from(chunk.subarray(end))] : [];
    this.#heldBytes = chunk.length - end;
    return whole;
  }

  /** What is held at the stream's end: passed on as it is, the stream being whatever its source made it. */
  rest(): Uint8Array {
    const rest = this.#held.length === 0 ? EMPTY : Buffer.concat(this.#held);
    this.#held = [];
    this.#heldBytes = 0;
    return rest;
  }

  /** The byte `back` places from the end of what is held (1 is the last), or 0. */
  #heldByte(back: number): number {
    for (let index = this.#held.length - 1; index >= 0; index -= 1) {
      const piece = this.#held[index]!;
      if (back <= piece.length) return piece[piece.length - back]!;
      back -= piece.length;
    }
    return 0;
  }
}

const EMPTY = new Uint8Array(0);
/** Most bytes held for an event that has not ended: far above a chunk's size, far below memory's. */
const MAX_HELD_BYTES = 1024 * 1024;

/** The index just past the last event end in `chunk`, or -1; `before1` and `before2` are the two bytes before it (last first). */
function lastEventEnd(chunk: Uint8Array, before1: number, before2: number): number {
  const at = (index: number) => (index >= 0 ? chunk[index]! : index === -1 ? before1 : before2);
  for (let index = chunk.length - 1; index >= 0; index -= 1) {
    if (chunk[index] !== LF) continue;
    const previous = at(index - 1);
    if (previous === LF || (previous === CR && at(index - 2) === LF)) return index + 1;
  }
  return -1;
}
