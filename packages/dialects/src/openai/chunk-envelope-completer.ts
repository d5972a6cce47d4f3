import type { ChunkEnvelope } from './stop-chunk.js';

const CHUNK_OBJECT = 'chat.completion.chunk';

/**
 * Completes the envelope of a stream's chunks where the server left part of it out, for a reader
 * that takes only whole `chat.completion.chunk`s (mcpd, of a publisher's frames: SPEC §12).
 * Gemini's compatible API writes no `created`; Azure's first chunk (its prompt filter results)
 * has an empty `object` and `id`. A server writes its envelopes alike, so the stream's first
 * frame is read in full and decides: while every frame read was whole, the others pass as the
 * server wrote them, unread; once one was not, each is read and completed. Only the fields that
 * are missing are filled in (from `fill`); everything else the server wrote stays.
 */
export class ChunkEnvelopeCompleter {
  /** Undefined until the first frame; then whether frames are read and completed. */
  #completing: boolean | undefined;

  constructor(private readonly fill: ChunkEnvelope) {}

  /** A frame's text as it goes on; text that is not a JSON object goes as it came, for the reader to refuse. */
  text(text: string): string {
    if (this.#completing === false) return text;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return text;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return text;
    return this.chunk(value as Record<string, unknown>) ? JSON.stringify(value) : text;
  }

  /** Completes a chunk already read, in place; answers whether anything was filled in. */
  chunk(chunk: Record<string, unknown>): boolean {
    let filled = false;
    if (chunk.object !== CHUNK_OBJECT) {
      chunk.object = CHUNK_OBJECT;
      filled = true;
    }
    if (typeof chunk.id !== 'string') {
      chunk.id = this.fill.id;
      filled = true;
    }
    if (typeof chunk.created !== 'number') {
      chunk.created = this.fill.created;
      filled = true;
    }
    if (typeof chunk.model !== 'string') {
      chunk.model = this.fill.model;
      filled = true;
    }
    if (filled) this.#completing = true;
    else this.#completing ??= false;
    return filled;
  }
}
