/** A streamed body that can be closed early: undici's, or a Node stream. */
export interface ClosableBody {
  readonly destroyed: boolean;
  destroy(): unknown;
}

/** Timers as the injected clock gives them (`Clock.after`): the dialects package has no clock of its own. */
export interface RestOfStreamTimer {
  after(ms: number, run: () => void): () => void;
}

/** What may follow an answer's end in a body before the body is cut: reads, and time. */
export const REST_OF_STREAM_READS = 8;
export const REST_OF_STREAM_MS = 5_000;

/**
 * The caller has its whole answer (`[DONE]`, or the last event of an Anthropic stream); what
 * follows in the body, normally only the end of the HTTP message, is read in the background so
 * the connection goes back to its pool instead of being cut. Past REST_OF_STREAM_READS more
 * reads or REST_OF_STREAM_MS the body is cut: an upstream that keeps its body open, or goes on
 * writing, after its answer holds nothing for long, not even a shutdown waiting for its pool.
 */
export function closeAfterAnswer(body: ClosableBody, rest: AsyncIterator<unknown>, timer: RestOfStreamTimer): void {
  const cut = () => {
    if (!body.destroyed) body.destroy();
  };
  const cancelTimer = timer.after(REST_OF_STREAM_MS, cut);
  void readRest(rest).then((ended) => {
    cancelTimer();
    if (!ended) cut();
  });
}

/** True once the stream ended within REST_OF_STREAM_READS reads; false past them or on a failure. */
async function readRest(reads: AsyncIterator<unknown>): Promise<boolean> {
  try {
    for (let count = 0; count <= REST_OF_STREAM_READS; count += 1) {
      if ((await reads.next()).done) return true;
    }
  } catch {
    // The answer was complete: a connection that breaks now is only not reused.
  }
  return false;
}
