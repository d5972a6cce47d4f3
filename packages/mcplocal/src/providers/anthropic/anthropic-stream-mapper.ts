import type { AnthropicContentBlock, AnthropicStreamEvent, AnthropicUsage } from '@mcpctl/protocol';
import { ProviderError } from '../../errors.js';
import type { StreamDelta } from '../llm-provider.js';
import { mapAnthropicStopReason } from '@mcpctl/protocol';
import { mapAnthropicUsage } from './map-anthropic-usage.js';

type BlockDelta = Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>['delta'];

/**
 * Turns the events of one Messages stream into deltas, one event at a time. The finish delta
 * comes with `message_delta` (where Anthropic says why it stopped), the usage delta with
 * `message_stop`; a stream without `message_stop` was cut short (`stopped` stays false).
 */
export class AnthropicStreamMapper {
  private usage: AnthropicUsage = {};
  // Anthropic numbers all content blocks; tool-call deltas number tool calls only.
  private readonly toolIndexByBlock = new Map<number, number>();
  private finished = false;
  private ended = false;

  constructor(private readonly provider: string) {}

  get stopped(): boolean {
    return this.ended;
  }

  push(event: AnthropicStreamEvent): StreamDelta[] {
    if (this.ended) return [];
    switch (event.type) {
      case 'message_start':
        this.usage = { ...event.message.usage };
        return [];
      case 'content_block_start':
        return this.startBlock(event.index, event.content_block);
      case 'content_block_delta':
        return this.blockDelta(event.index, event.delta);
      case 'message_delta':
        this.mergeUsage(event.usage ?? {});
        return this.finish(event.delta.stop_reason);
      case 'message_stop':
        this.ended = true;
        return [...this.finish(undefined), { type: 'usage', usage: mapAnthropicUsage(this.usage) }];
      case 'error':
        throw new ProviderError(502, `provider "${this.provider}" failed mid-stream: ${event.error.message}`, {
          serverMessage: event.error.message,
        });
      case 'ping':
      case 'content_block_stop':
        return [];
    }
  }

  private startBlock(blockIndex: number, block: AnthropicContentBlock): StreamDelta[] {
    switch (block.type) {
      case 'tool_use': {
        const index = this.toolIndexByBlock.size;
        this.toolIndexByBlock.set(blockIndex, index);
        return [{ type: 'tool-call', index, id: block.id, name: block.name, arguments: '' }];
      }
      // Anthropic opens text and thinking blocks empty and fills them with deltas.
      case 'text':
        return block.text === '' ? [] : [{ type: 'text', text: block.text }];
      case 'thinking':
        return block.thinking === '' ? [] : [{ type: 'reasoning', text: block.thinking, field: 'reasoning_content' }];
      default:
        return [];
    }
  }

  private blockDelta(blockIndex: number, delta: BlockDelta): StreamDelta[] {
    switch (delta.type) {
      case 'text_delta':
        return delta.text === '' ? [] : [{ type: 'text', text: delta.text }];
      case 'thinking_delta':
        return delta.thinking === '' ? [] : [{ type: 'reasoning', text: delta.thinking, field: 'reasoning_content' }];
      case 'input_json_delta': {
        const index = this.toolIndexByBlock.get(blockIndex);
        if (index === undefined) {
          throw new ProviderError(502, `provider "${this.provider}" sent tool input for content block ${blockIndex}, which is not a tool call`);
        }
        return delta.partial_json === '' ? [] : [{ type: 'tool-call', index, arguments: delta.partial_json }];
      }
      // Signatures let Anthropic verify thinking sent back to it; there is nowhere to pass them.
      case 'signature_delta':
        return [];
    }
  }

  private finish(stopReason: string | null | undefined): StreamDelta[] {
    if (this.finished) return [];
    this.finished = true;
    return [{ type: 'finish', reason: mapAnthropicStopReason(stopReason) }];
  }

  /* Later figures (message_delta) replace earlier ones; absent or null figures do not. */
  private mergeUsage(update: AnthropicUsage): void {
    const known = Object.entries(update).filter(([, value]) => value !== null && value !== undefined);
    this.usage = { ...this.usage, ...Object.fromEntries(known) };
  }
}
