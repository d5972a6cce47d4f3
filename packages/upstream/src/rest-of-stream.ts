/** Timers as the injected clock gives them (`Clock.after`): this package has no clock of its own. */
export interface RestOfStreamTimer {
  after(ms: number, run: () => void): () => void;
}

/**
 * What may follow an answer's end in a body before the body is cut: reads, and time. An upstream
 * that keeps its body open, or goes on writing, after its answer holds nothing for long, not
 * even a shutdown waiting for its pool.
 */
export const REST_OF_STREAM_READS = 8;
export const REST_OF_STREAM_MS = 5_000;
