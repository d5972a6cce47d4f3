import type { AnthropicContentBlock, AnthropicMessage, ChatMessage } from '@mcpctl/protocol';
import { ProviderError } from '../../errors.js';
import { toAnthropicContent } from './to-anthropic-content.js';

/** An OpenAI conversation split the way Anthropic wants it. */
export interface AnthropicConversation {
  system: string | undefined;
  messages: AnthropicMessage[];
}

interface Turn {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}

/**
 * System and developer messages, wherever they sit, become the one top-level `system` prompt
 * (joined by blank lines). The rest become turns; Anthropic requires roles to alternate, so
 * consecutive turns of one role (parallel tool results, a split reply) merge, and empty turns
 * are dropped. Tool results go first in their user turn, where Anthropic requires them.
 */
export function toAnthropicConversation(messages: ChatMessage[]): AnthropicConversation {
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') {
      system.push(...toAnthropicContent(message.content).map(systemText));
      continue;
    }
    const turn = toTurn(message);
    if (turn.content.length === 0) continue;
    const previous = turns.at(-1);
    if (previous?.role === turn.role) previous.content.push(...turn.content);
    else turns.push(turn);
  }
  return { system: system.length > 0 ? system.join('\n\n') : undefined, messages: turns.map(toolResultsFirst) };
}

function toTurn(message: ChatMessage): Turn {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: toAnthropicContent(message.content) };
    case 'assistant': {
      const toolUses: AnthropicContentBlock[] = (message.tool_calls ?? []).map((call) => ({
        type: 'tool_use',
        id: call.id,
        name: call.function.name,
        input: parseToolArguments(call.function.arguments),
      }));
      return { role: 'assistant', content: [...toAnthropicContent(message.content), ...toolUses] };
    }
    case 'tool':
      return { role: 'user', content: [toToolResult(message)] };
    default:
      throw new ProviderError(400, `a "${message.role}" message cannot be sent to an Anthropic model; use tool_calls and "tool" messages`);
  }
}

function toToolResult(message: ChatMessage): AnthropicContentBlock {
  if (!message.tool_call_id) throw new ProviderError(400, 'a "tool" message needs the tool_call_id of the call it answers');
  const content = toAnthropicContent(message.content);
  // Anthropic rejects blank text, so an empty tool output is sent as no content at all.
  return content.length === 0
    ? { type: 'tool_result', tool_use_id: message.tool_call_id }
    : { type: 'tool_result', tool_use_id: message.tool_call_id, content };
}

/**
 * Models do emit malformed arguments (a turn cut by max_tokens) and clients send that history
 * back; Anthropic rejects any `input` that is not an object, so such arguments become `{}`.
 */
function parseToolArguments(argumentsJson: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(argumentsJson);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function systemText(block: AnthropicContentBlock): string {
  if (block.type !== 'text') throw new ProviderError(400, `a system message may only hold text for an Anthropic model (got ${block.type})`);
  return block.text;
}

function toolResultsFirst(turn: Turn): AnthropicMessage {
  if (turn.role !== 'user') return turn;
  const results = turn.content.filter((block) => block.type === 'tool_result');
  return { role: 'user', content: [...results, ...turn.content.filter((block) => block.type !== 'tool_result')] };
}
