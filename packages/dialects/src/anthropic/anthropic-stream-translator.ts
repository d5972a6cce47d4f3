import type {
  AnthropicContentBlock,
  AnthropicStreamEvent,
  AnthropicUsage,
  ChatCompletionChunk,
  FinishReason,
  Usage,
} from '@mcpctl/protocol';
import { mapAnthropicStopReason } from '@mcpctl/protocol';
import { UpstreamStreamError } from '../upstream-stream-error.js';
import { mapAnthropicUsage } from './map-anthropic-usage.js';

type ChunkDelta = ChatCompletionChunk['choices'][number]['delta'];
type BlockDelta = Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>['delta'];

/** Options of {@link AnthropicStreamTranslator}. */
export interface AnthropicStreamTranslatorOptions {
  /** The model name the caller asked for (an LLM or pool name), not Anthropic's model id. */
  model: string;
  /** Unix seconds for every chunk's `created`. */
  created: number;
  /** The request's `stream_options.include_usage`: end with a usage chunk, `usage: null` on the others. */
  includeUsage: boolean;
}

/**
 * Turns the events of one Anthropic Messages stream into OpenAI `chat.completion.chunk`s, one
 * event at a time so every token is forwarded as it arrives. Feed each event to `push`, then
 * call `finish` when the upstream stream ends, however it ends: a stream cut short still gets
 * the single finish chunk OpenAI clients insist on. After an `error` event (which `push`
 * throws as {@link UpstreamStreamError}) `finish` owes nothing: the stream failed.
 */
export class AnthropicStreamTranslator {
  private readonly options: AnthropicStreamTranslatorOptions;
  private id: string | undefined;
  private anthropicUsage: AnthropicUsage = {};
  // Anthropic numbers all content blocks; OpenAI numbers tool calls only.
  private readonly toolIndexByBlock = new Map<number, number>();
  private finishSent = false;
  // Set by message_stop or an error event: whatever follows is ignored, nothing more is owed.
  private ended = false;

  constructor(options: AnthropicStreamTranslatorOptions) {
    this.options = options;
  }

  /** The chunks to send for one upstream event, possibly none. */
  push(event: AnthropicStreamEvent): ChatCompletionChunk[] {
    if (this.ended) return [];
    switch (event.type) {
      case 'message_start':
        this.id = event.message.id;
        this.anthropicUsage = { ...(event.message.usage ?? {}) };
        return [this.chunk({ role: 'assistant', content: '' })];
      case 'content_block_start':
        return this.startBlock(event.index, event.content_block);
      case 'content_block_delta':
        return this.blockDelta(event.index, event.delta);
      case 'message_delta':
        this.anthropicUsage = mergeUsage(this.anthropicUsage, event.usage ?? {});
        return this.finishChunk(mapAnthropicStopReason(event.delta.stop_reason));
      case 'message_stop':
        return this.end();
      case 'error':
        this.ended = true;
        throw new UpstreamStreamError(event.error.type, event.error.message);
      case 'ping':
      case 'content_block_stop':
        return [];
    }
  }

  /**
   * True once `message_delta` gave the stop reason (or the finish chunk went out otherwise):
   * the answer is whole, even if the stream ends before `message_stop`. A stream that ends
   * before it was cut short.
   */
  get finished(): boolean {
    return this.finishSent;
  }

  /** Token counts so far, for the audit record, whether or not the client asked for usage. */
  get usage(): Usage {
    return mapAnthropicUsage(this.anthropicUsage);
  }

  /** The chunks still owed when the upstream stream has ended: a finish chunk, a usage chunk. */
  finish(): ChatCompletionChunk[] {
    return this.end();
  }

  private startBlock(blockIndex: number, block: AnthropicContentBlock): ChatCompletionChunk[] {
    switch (block.type) {
      case 'tool_use': {
        const index = this.toolIndexByBlock.size;
        this.toolIndexByBlock.set(blockIndex, index);
        const opening = { index, id: block.id, type: 'function' as const };
        return [this.chunk({ tool_calls: [{ ...opening, function: { name: block.name, arguments: '' } }] })];
      }
      // Anthropic opens text and thinking blocks empty and fills them with deltas.
      case 'text':
        return this.contentChunk({ content: block.text }, block.text);
      case 'thinking':
        return this.contentChunk({ reasoning_content: block.thinking }, block.thinking);
      default:
        return [];
    }
  }

  private blockDelta(blockIndex: number, delta: BlockDelta): ChatCompletionChunk[] {
    switch (delta.type) {
      case 'text_delta':
        return this.contentChunk({ content: delta.text }, delta.text);
      case 'thinking_delta':
        return this.contentChunk({ reasoning_content: delta.thinking }, delta.thinking);
      case 'input_json_delta': {
        const index = this.toolIndexByBlock.get(blockIndex);
        if (index === undefined) {
          const problem = `input_json_delta for content block ${blockIndex}, which is not a tool_use block`;
          throw new UpstreamStreamError('invalid_stream', problem);
        }
        const piece = delta.partial_json;
        return this.contentChunk({ tool_calls: [{ index, function: { arguments: piece } }] }, piece);
      }
      // Signatures let Anthropic verify thinking sent back to it; OpenAI clients have no place for them.
      case 'signature_delta':
        return [];
    }
  }

  // Empty pieces (Anthropic opens each tool input with `""`) carry nothing worth a frame.
  private contentChunk(delta: ChunkDelta, piece: string): ChatCompletionChunk[] {
    return piece === '' ? [] : [this.chunk(delta)];
  }

  private finishChunk(reason: FinishReason): ChatCompletionChunk[] {
    if (this.finishSent) return [];
    this.finishSent = true;
    return [this.chunk({}, reason)];
  }

  private end(): ChatCompletionChunk[] {
    if (this.ended) return [];
    this.ended = true;
    const chunks = this.finishChunk('stop');
    if (this.options.includeUsage) {
      chunks.push({ ...this.envelope(), choices: [], usage: this.usage });
    }
    return chunks;
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk {
    const choice = { index: 0, delta, finish_reason: finishReason };
    const chunk: ChatCompletionChunk = { ...this.envelope(), choices: [choice] };
    // OpenAI sends `usage: null` on every chunk but the last when usage was asked for.
    if (this.options.includeUsage) chunk.usage = null;
    return chunk;
  }

  private envelope(): Pick<ChatCompletionChunk, 'id' | 'object' | 'created' | 'model'> {
    if (this.id === undefined) {
      throw new UpstreamStreamError('invalid_stream', 'the Anthropic stream did not begin with message_start');
    }
    return { id: this.id, object: 'chat.completion.chunk', created: this.options.created, model: this.options.model };
  }
}

/* Later usage figures (message_delta) replace earlier ones; absent or null figures do not. */
function mergeUsage(current: AnthropicUsage, update: AnthropicUsage): AnthropicUsage {
  const known = Object.entries(update).filter(([, value]) => value !== null && value !== undefined);
  return { ...current, ...Object.fromEntries(known) };
}
