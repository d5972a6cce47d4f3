import type { ChunkEnvelope } from './stop-chunk.js';

const CHUNK_OBJECT = 'chat.completion.chunk';
// The envelope's keys as a server writes them, compact or spaced; a JSON string's own quotes are
// escaped, so text inside one never matches. A nested key of the same name (a tool call's `id`)
// could: such a frame passes unread, as it did before this check.
const HAS_OBJECT = /"object"\s*:\s*"chat\.completion\.chunk"/;
const HAS_ID = /"id"\s*:\s*"/;
const HAS_CREATED = /"created"\s*:\s*-?\d/;
const HAS_MODEL = /"model"\s*:\s*"/;

/**
 * Completes the envelope of a stream's chunks where the server left part of it out, for a reader
 * that takes only whole `chat.completion.chunk`s (mcpd, of a publisher's frames: SPEC §12).
 * Gemini's compatible API writes no `created`; Azure's first chunk (its prompt filter results)
 * has an empty `object` and `id`. A frame whose text shows all four keys passes as the server
 * wrote it, unread (four pattern tests, well under a microsecond); one that does not is read, and
 * only what it lacks is filled in (from `fill`), everything else the server wrote kept.
 */
export class ChunkEnvelopeCompleter {
  constructor(private readonly fill: ChunkEnvelope) {}

  /** A frame's text as it goes on; text that is not a JSON object goes as it came, for the reader to refuse. */
  text(text: string): string {
    if (HAS_OBJECT.test(text) && HAS_ID.test(text) && HAS_CREATED.test(text) && HAS_MODEL.test(text)) return text;
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
    return filled;
  }
}
