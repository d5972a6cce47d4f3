import type { Clock } from '@mcpctl/clock';
import { chunkEnvelopeOf, stopChunk, type ChunkEnvelope, type RawFrame } from '@mcpctl/dialects';
import type { OpenAiError, Usage } from '@mcpctl/protocol';
import { sanitizeUpstreamText } from '../security/sanitize-upstream-text.js';
import { hasOutput } from './has-output.js';
import { SseOutput } from './sse-output.js';
import { ToolCallAssembler, type AssembledToolCall } from './tool-call-assembler.js';
import { DEFAULT_STREAM_SOURCE, type StreamPart } from './dialect.js';

type ChunkPart = Extract<StreamPart, { type: 'chunk' }>;

/** Where a stream goes: the caller's SSE response. */
export interface SseSink {
  /** SSE text, or frames' bytes as the upstream wrote them. */
  write(text: string | Uint8Array): void;
  end(): void;
}

export type StreamOutcome = { ok: true } | { ok: false; message: string };

const NO_SECRETS = () => [];
/** Choices a finish made up here names at most. */
const MAX_CHOICES = 128;

/**
 * Writes stream parts to the caller as SSE frames, as they come, and keeps the promises
 * clients rely on whatever the source does: a chunk with `finish_reason` before
 * `[DONE]`, and an explicit error frame (never a silent clean end) when the answer breaks.
 */
export class StreamForwarder {
  #outcome: StreamOutcome | undefined;
  /** Indices of the choices whose finish reason came. */
  readonly #finished = new Set<number>();
  /** Indices of the choices the chunks read so far carried. */
  readonly #choices = new Set<number>();
  /** A usage chunk that came before every choice's finish reason: it goes out right after the last finish (the server's or one made up here), as OpenAI orders them. */
  #heldUsage: ChunkPart | undefined;
  #lastChunk: ChunkPart | undefined;
  #firstTokenAt: number | undefined;
  #usage: Usage | undefined;
  #content: string | undefined;
  /** With the content: the answer's tool calls, for a thread (made only then: most streams keep nothing). */
  readonly #toolCalls: ToolCallAssembler | undefined;
  readonly #secrets: () => ReadonlyArray<string | null | undefined>;
  readonly #source: string;

  constructor(
    private readonly sink: SseSink,
    /** Its monotonic reading marks the first token; its wall time dates a finish chunk made up here. */
    private readonly clock: Pick<Clock, 'now' | 'monotonic'>,
    /**
     * `secrets`: the upstream's credentials, masked out of its error texts; read only when one comes.
     * `source`: who sends the stream, as its errors name it.
     */
    options: { collectContent?: boolean | undefined; secrets?: () => ReadonlyArray<string | null | undefined>; source?: string | undefined } = {},
  ) {
    if (options.collectContent) {
      this.#content = '';
      this.#toolCalls = new ToolCallAssembler();
    }
    this.#secrets = options.secrets ?? NO_SECRETS;
    this.#source = options.source ?? DEFAULT_STREAM_SOURCE;
  }

  /** The streamed text so far, when asked to collect it. */
  get content(): string | undefined {
    return this.#content;
  }

  /** The tool calls streamed so far, when asked to collect the content. */
  get toolCalls(): AssembledToolCall[] | undefined {
    return this.#toolCalls?.calls;
  }

  get outcome(): StreamOutcome | undefined {
    return this.#outcome;
  }

  get firstTokenAt(): number | undefined {
    return this.#firstTokenAt;
  }

  get usage(): Usage | undefined {
    return this.#usage;
  }

  /** Forwards parts in one write; answers true once the stream is over. */
  accept(parts: StreamPart[]): boolean {
    if (this.#outcome) return true;
    const out = new SseOutput();
    for (const part of parts) {
      if (this.#outcome) break;
      if (part.type === 'chunk') {
        this.#chunk(part, out);
      } else if (part.type === 'done') {
        this.#done(part.raw, out);
      } else {
        out.text(this.#error(part.message, part.status));
      }
    }
    const written = out.take();
    if (written) this.sink.write(written);
    if (this.#outcome) this.sink.end();
    return this.#outcome !== undefined;
  }

  /** The source's body ended; a stream that gave its finish reason is complete. */
  sourceEnded(): void {
    if (this.#outcome) return;
    this.accept([
      this.#unfinished().length === 0 ? { type: 'done' } : { type: 'error', message: `${this.#source} closed the stream before it finished` },
    ]);
  }

  /** `status`: for a stream whose answer never began, the status the failure would have had (see `openAiErrorSchema`). */
  fail(message: string, status?: number): void {
    this.accept([{ type: 'error', message, status }]);
  }

  /** A chunk the decoder did not read holds nothing to note (see {@link StreamPart}); its text goes out as it came. */
  #chunk(part: ChunkPart, out: SseOutput): void {
    this.#lastChunk = part;
    const { chunk } = part;
    if (chunk) {
      if (chunk.usage) this.#usage = chunk.usage;
      for (const each of chunk.choices) {
        if (this.#choices.size < MAX_CHOICES) this.#choices.add(each.index);
        if (each.finish_reason) this.#finished.add(each.index);
      }
      const choice = chunk.choices[0];
      if (this.#content !== undefined && choice?.delta.content) this.#content += choice.delta.content;
      if (choice?.delta.tool_calls) this.#toolCalls?.add(choice.delta.tool_calls);
      if (this.#firstTokenAt === undefined && hasOutput(chunk)) this.#firstTokenAt = this.clock.monotonic();
    } else if (part.firstOutput && this.#firstTokenAt === undefined) {
      this.#firstTokenAt = this.clock.monotonic();
    }
    if (!part.forward) return;
    if (chunk && chunk.choices.length === 0 && chunk.usage && this.#unfinished().length > 0) {
      this.#heldUsage = part;
      return;
    }
    this.#write(part, out);
    // The last finish came: a usage held for it follows it now, ahead of anything later.
    if (this.#heldUsage && this.#unfinished().length === 0) {
      this.#write(this.#heldUsage, out);
      this.#heldUsage = undefined;
    }
  }

  #write(part: ChunkPart, out: SseOutput): void {
    if (part.raw) out.bytes(part.raw);
    else out.text(`data: ${part.data}\n\n`);
  }

  /**
   * The choices seen whose finish reason has not come. Only chunks read are seen: with `n` above
   * one the decoder reads every chunk (`StreamContext.choices`), so a server that ignored `n`
   * (Ollama's compatible API answers one) is not given choices it never sent.
   */
  #unfinished(): number[] {
    // Nothing read named a choice (a stream's chunks pass unread): the first is the one.
    if (this.#choices.size === 0) return this.#finished.size > 0 ? [] : [0];
    return [...this.#choices].filter((index) => !this.#finished.has(index)).sort((left, right) => left - right);
  }

  /** The envelope of the last chunk, for a finish chunk made up here; read only then. */
  #lastEnvelope(): ChunkEnvelope | undefined {
    const last = this.#lastChunk;
    if (!last) return undefined;
    const { id, created, model } = last.chunk ?? {};
    if (id !== undefined && created !== undefined && model !== undefined) return { id, created, model };
    return chunkEnvelopeOf(last.data);
  }

  #done(raw: RawFrame | undefined, out: SseOutput): void {
    this.#outcome = { ok: true };
    const unfinished = this.#unfinished();
    if (unfinished.length > 0) {
      const envelope = this.#lastEnvelope() ?? { id: 'chatcmpl-mcpd', created: Math.floor(this.clock.now().getTime() / 1000), model: 'unknown' };
      out.text(`data: ${JSON.stringify(stopChunk(envelope, unfinished))}\n\n`);
    }
    if (this.#heldUsage) this.#write(this.#heldUsage, out);
    if (raw) out.bytes(raw);
    else out.text('data: [DONE]\n\n');
  }

  #error(text: string, status?: number): string {
    // What the usage said reaches the caller who asked for it before the failure does.
    const usage = this.#heldUsage ? `data: ${this.#heldUsage.data}\n\n` : '';
    // An upstream's words, on their way to the caller and the audit.
    const message = sanitizeUpstreamText(text, this.#secrets());
    this.#outcome = { ok: false, message };
    const error: OpenAiError['error'] = { message, type: 'upstream_error', ...(status === undefined ? {} : { status }) };
    return `${usage}data: ${JSON.stringify({ error })}\n\n`;
  }
}
