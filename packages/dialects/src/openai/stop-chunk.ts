/** What names a stream's chunks: the answer's id, when it was made, and the model that made it. */
export interface ChunkEnvelope {
  id: string;
  created: number;
  model: string;
}

/** The envelope of a chunk's JSON text; undefined when the text is not JSON or lacks one of the three. */
export function chunkEnvelopeOf(text: string | undefined): ChunkEnvelope | undefined {
  if (text === undefined) return undefined;
  try {
    const { id, created, model } = JSON.parse(text) as Partial<ChunkEnvelope>;
    if (typeof id === 'string' && typeof created === 'number' && typeof model === 'string') return { id, created, model };
  } catch {
    // Not JSON (a frame the peek passed that was shaped like a chunk): it names nothing.
  }
  return undefined;
}

/**
 * The chunk that ends a stream whose server said `[DONE]` without a finish reason: `stop` for each
 * choice of `indices` (the first alone unless told), in the envelope of its chunks. Widely used
 * clients reject a stream without a finish reason for every choice, so every path adds it (SPEC §4.2).
 */
export function stopChunk(envelope: ChunkEnvelope, indices: readonly number[] = [0]): Record<string, unknown> {
  return { ...envelope, object: 'chat.completion.chunk', choices: indices.map((index) => ({ index, delta: {}, finish_reason: 'stop' })) };
}
