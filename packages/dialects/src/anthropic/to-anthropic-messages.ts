import type { AnthropicMessage, ChatMessage } from '@mcpctl/protocol';
import { toAnthropicTurn, type AnthropicTurn } from './to-anthropic-turn.js';

/**
 * The user/assistant/tool part of an OpenAI conversation as Anthropic `messages`. Anthropic
 * requires roles to alternate, so consecutive turns of one role (two user messages, an
 * assistant reply split in two, the results of parallel tool calls) become one message.
 * Turns left empty (blank text) are dropped rather than sent, as Anthropic rejects them.
 */
export function toAnthropicMessages(messages: ChatMessage[]): AnthropicMessage[] {
  const merged: AnthropicTurn[] = [];
  for (const message of messages) {
    const turn = toAnthropicTurn(message);
    if (!turn || turn.content.length === 0) continue;
    const previous = merged.at(-1);
    if (previous?.role === turn.role) previous.content.push(...turn.content);
    else merged.push({ role: turn.role, content: [...turn.content] });
  }
  return merged.map(putToolResultsFirst);
}

/*
 * Anthropic wants the tool_result blocks at the start of a user message; a client that sent a
 * user message before its tool results would otherwise get a 400.
 */
function putToolResultsFirst(turn: AnthropicTurn): AnthropicMessage {
  if (turn.role !== 'user') return turn;
  const toolResults = turn.content.filter((block) => block.type === 'tool_result');
  const others = turn.content.filter((block) => block.type !== 'tool_result');
  return { role: 'user', content: [...toolResults, ...others] };
}
