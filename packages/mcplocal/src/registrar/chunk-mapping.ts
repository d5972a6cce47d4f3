import type { ChatCompletionChunk, ChatToolCallDelta } from '@mcpctl/protocol';
import type { AnswerExtras, StreamDelta } from '../providers/llm-provider.js';
import type { CompletionIdentity } from './completion-identity.js';
import { toOpenAiUsage } from './completion-mapping.js';

type ChunkDelta = ChatCompletionChunk['choices'][number]['delta'];

/**
 * Turns a provider's deltas, one by one, into the `chat.completion.chunk` objects an OpenAI
 * stream carries: the first choice chunk names the assistant role, reasoning keeps the field
 * name the local server used, and a delta's extras (`logprobs`, …) come back where they were.
 */
export class ChunkMapper {
  private roleSent = false;
  private finishSent = false;

  constructor(private readonly identity: CompletionIdentity) {}

  /** True once a chunk with a `finish_reason` went out: clients reject streams without one. */
  get finished(): boolean {
    return this.finishSent;
  }

  map(delta: StreamDelta): ChatCompletionChunk {
    const { extras } = delta;
    switch (delta.type) {
      case 'text':
        return this.choice({ content: delta.text }, null, extras);
      case 'reasoning':
        return this.choice({ [delta.field]: delta.text }, null, extras);
      case 'tool-call':
        return this.choice({ tool_calls: [toToolCallDelta(delta)] }, null, extras);
      case 'finish':
        this.finishSent = true;
        return this.choice({}, delta.reason, extras);
      case 'usage':
        return { ...this.envelope(), choices: [], usage: { ...toOpenAiUsage(delta.usage), ...extras?.usage }, ...extras?.answer };
    }
  }

  /** The finish chunk a stream that ended without one still owes its caller. */
  finish(reason = 'stop'): ChatCompletionChunk {
    return this.map({ type: 'finish', reason });
  }

  private choice(delta: ChunkDelta, finishReason: string | null = null, extras?: AnswerExtras): ChatCompletionChunk {
    const withRole: ChunkDelta = this.roleSent ? { ...delta, ...extras?.message } : { role: 'assistant', ...delta, ...extras?.message };
    this.roleSent = true;
    return { ...this.envelope(), choices: [{ index: 0, delta: withRole, ...extras?.choice, finish_reason: finishReason }], ...extras?.answer };
  }

  private envelope(): Pick<ChatCompletionChunk, 'id' | 'object' | 'created' | 'model'> {
    return { id: this.identity.id, object: 'chat.completion.chunk', created: this.identity.created, model: this.identity.model };
  }
}

function toToolCallDelta(delta: Extract<StreamDelta, { type: 'tool-call' }>): ChatToolCallDelta {
  const call: ChatToolCallDelta = { index: delta.index };
  if (delta.id !== undefined) {
    call.id = delta.id;
    call.type = 'function';
  }
  if (delta.name !== undefined || delta.arguments !== undefined) {
    call.function = {};
    if (delta.name !== undefined) call.function.name = delta.name;
    if (delta.arguments !== undefined) call.function.arguments = delta.arguments;
  }
  return call;
}
