import type { Duplex } from 'node:stream';

/** How long writes may wait untaken before the peer counts as no longer reading. */
export const WRITE_STALL_MS = 30_000;

/**
 * What a connection took of the writes handed to it, judged at each ping: a peer that took none
 * for 30 s or more while some waited has stopped reading. Counting writes the socket finished
 * (each write's callback), rather than comparing bytes waiting, keeps a slow reader that tasks
 * keep coming to from looking stalled; the kernel wakes a writer only once a good part of its
 * buffer is free, so a slow link shows progress in jumps seconds apart, which 30 s outlasts.
 */
export class WriteProgress {
  #queued = 0;
  #done = 0;
  #queuedAtCheck = 0;
  #doneAtCheck = 0;
  #unsentAtCheck = 0;
  /** Checks in a row at which writes waited and none was taken. */
  #stillChecks = 0;
  /** The event loop turned since the last check, so writes waiting then had their chance to go. */
  #turned = false;
  readonly #checksToStall: number;

  /**
   * `socket`: the connection the writes go out on. What its handle still holds of a write (libuv's
   * write queue) shrinks as the peer takes a large message bit by bit, before the write finishes.
   * `checkIntervalMs`: how often `check` runs (the ping interval).
   */
  constructor(
    private readonly socket: Duplex | null | undefined,
    checkIntervalMs: number,
  ) {
    this.#checksToStall = Math.max(2, Math.ceil(WRITE_STALL_MS / checkIntervalMs));
  }

  /** Counts a write; pass the answer as the write's callback. */
  readonly queued = (): (() => void) => {
    this.#queued += 1;
    return this.#wrote;
  };

  readonly #wrote = (): void => {
    this.#done += 1;
  };

  /**
   * At a ping, of the writes that waited at the last check: `moving` when some were taken since
   * (the peer reads, if slowly: a sign of life when its pong is stuck behind them), `stalled` when
   * none was through 30 s of checks, `idle` otherwise (none waited, which proves nothing: a dead
   * peer's kernel takes small writes too; or not long enough yet). A check right after another
   * (a clock that jumped, a thread held up) counts for nothing.
   */
  check(): 'stalled' | 'moving' | 'idle' {
    const unsent = this.#unsent();
    const waited = this.#doneAtCheck < this.#queuedAtCheck;
    const moved = this.#done > this.#doneAtCheck || unsent < this.#unsentAtCheck;
    if (!waited || moved) this.#stillChecks = 0;
    else if (this.#turned) this.#stillChecks += 1;
    this.#doneAtCheck = this.#done;
    this.#queuedAtCheck = this.#queued;
    this.#unsentAtCheck = unsent;
    this.#turned = false;
    setImmediate(() => (this.#turned = true));
    if (waited && moved) return 'moving';
    return this.#stillChecks >= this.#checksToStall ? 'stalled' : 'idle';
  }

  /** Bytes of a write under way the kernel has not taken yet; 0 where the socket does not say. */
  #unsent(): number {
    const size = (this.socket as { _handle?: { writeQueueSize?: unknown } } | null | undefined)?._handle?.writeQueueSize;
    return typeof size === 'number' ? size : 0;
  }
}
