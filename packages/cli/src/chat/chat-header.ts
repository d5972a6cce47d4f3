import type { LlmView } from '@mcpctl/protocol';
import type { ApiClient } from '../api-client.js';
import { ApiError } from '../errors.js';
import { asNotFound, findLlm, listLlms } from '../resources/llm/llm-api.js';
import { otherChatCommand } from './other-chat-command.js';

/**
 * The line printed before a chat: what answers (an LLM, or a pool of them) and in what
 * state, and the name the chat's requests give as their model (an LLM given by its id answers to
 * its name there). Fails with `LLM not found` when the name is neither an LLM nor a pool the
 * caller sees (pointing at `mcpctl chat` when it is an agent's).
 */
export async function chatHeader(client: ApiClient, name: string, oneShot: boolean): Promise<{ line: string; model: string }> {
  const quit = oneShot ? '' : ' Ctrl-D to quit.';
  const llm = await findLlm(client, name);
  if (llm !== undefined) return { line: `${llmHeader(llm)}${quit}`, model: llm.name };
  const members = (await listLlms(client)).filter((member) => member.poolName === name);
  if (members.length === 0) throw (await otherChatCommand(client, name, 'llm')) ?? asNotFound(new ApiError(404, `not found: ${name}`), name);
  const list = members.map((member) => `${member.name} (${member.status})`).join(', ');
  return { line: `Chatting with pool ${name} (${members.length} member${members.length > 1 ? 's' : ''}: ${list}).${quit}`, model: name };
}

/** `Chatting with qwen3 (openai · Qwen/Qwen3-8B · public · active).` plus a word on a sleeping or offline model. */
export function llmHeader(llm: LlmView): string {
  const header = `Chatting with ${llm.name} (${llm.type} · ${llm.model} · ${llm.kind} · ${llm.status}).`;
  if (llm.status === 'hibernating') return `${header} It is hibernating and wakes on the first message.`;
  if (llm.status === 'inactive') return `${header} Its publisher is offline: requests fail until it reconnects.`;
  return header;
}
