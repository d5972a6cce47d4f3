/**
 * Reads what is left of a streamed answer after its end (`[DONE]`, or the last event of an
 * Anthropic stream): normally nothing but the end of the HTTP message, read so the connection
 * goes back to its pool instead of being cut. At most `maxReads` more reads are taken; answers
 * true once the stream ended, false when it went on past that or failed, and the caller then
 * closes it. The caller also bounds the time it may take: an upstream that keeps its body open
 * after the answer is not waited on for long.
 */
export async function readRestOfStream(reads: AsyncIterator<unknown>, maxReads: number): Promise<boolean> {
  try {
    for (let count = 0; count <= maxReads; count += 1) {
      if ((await reads.next()).done) return true;
    }
  } catch {
    // The answer was complete: a connection that breaks now is only not reused.
  }
  return false;
}
