import type { Duplex } from 'node:stream';

/**
 * What a connection took of the writes handed to it, judged at each ping: a peer that took none
 * for a whole interval while some waited has stopped reading. Counting writes the socket finished
 * (each write's callback), rather than comparing bytes waiting, keeps a slow reader that tasks
 * keep coming to from looking stalled.
 */
export class WriteProgress {
  #queued = 0;
  #done = 0;
  #queuedAtCheck = 0;
  #doneAtCheck = 0;
  #unsentAtCheck = 0;

  /**
   * `socket`: the connection the writes go out on. What its handle still holds of a write (libuv's
   * write queue) shrinks as the peer takes a large message bit by bit, before the write finishes.
   */
  constructor(private readonly socket: Duplex | null | undefined) {}
  /** The event loop turned since the last check, so writes waiting then had their chance to go. */
  #turned = false;

  /** Counts a write; pass the answer as the write's callback. */
  readonly queued = (): (() => void) => {
    this.#queued += 1;
    return this.#wrote;
  };

  readonly #wrote = (): void => {
    this.#done += 1;
  };

  /**
   * At a ping, of the writes that waited at the last check: `stalled` when none finished since,
   * `moving` when some did (the peer reads, if slowly: a sign of life when its pong is stuck
   * behind them), `idle` when none waited (so nothing is proven: a dead peer's kernel takes small
   * writes too). Two checks back to back (a clock that jumped, a thread held up) prove nothing.
   */
  check(): 'stalled' | 'moving' | 'idle' {
    const unsent = this.#unsent();
    const waited = this.#doneAtCheck < this.#queuedAtCheck;
    const moved = this.#done > this.#doneAtCheck || unsent < this.#unsentAtCheck;
    const verdict = !waited ? 'idle' : moved ? 'moving' : this.#turned ? 'stalled' : 'idle';
    this.#doneAtCheck = this.#done;
    this.#queuedAtCheck = this.#queued;
    this.#unsentAtCheck = unsent;
    this.#turned = false;
    setImmediate(() => (this.#turned = true));
    return verdict;
  }

  /** Bytes of a write under way the kernel has not taken yet; 0 where the socket does not say. */
  #unsent(): number {
    const size = (this.socket as { _handle?: { writeQueueSize?: unknown } } | null | undefined)?._handle?.writeQueueSize;
    return typeof size === 'number' ? size : 0;
  }
}
