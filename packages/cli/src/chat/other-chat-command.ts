import { agentViewSchema, isPoolView, llmOrPoolViewSchema } from '@mcpctl/protocol';
import type { ApiClient } from '../api-client.js';
import { ApiError } from '../errors.js';
import { agentPath } from '../resources/agent/agent-api.js';
import { llmPath } from '../resources/llm/llm-api.js';

/**
 * For a name the chat command did not find (`asked`: what it looked for): a 404 pointing at the
 * other chat command when the name is what that one talks to (`chat` for an agent, `chat-llm` for
 * an LLM or a pool); undefined when it is neither. Only a 404 means neither: any other failure
 * (a refused token, mcpd down) is thrown as it came.
 */
export async function otherChatCommand(client: ApiClient, name: string, asked: 'agent' | 'llm'): Promise<ApiError | undefined> {
  if (asked === 'llm') {
    const agent = await unlessNotFound(() => client.get(agentPath(name), agentViewSchema));
    return agent && new ApiError(404, `${name} is an agent, not an LLM`, { hint: `run 'mcpctl chat ${name}'` });
  }
  const other = await unlessNotFound(() => client.get(llmPath(name), llmOrPoolViewSchema));
  return other && new ApiError(404, `${name} is ${isPoolView(other) ? 'a pool' : 'an LLM'}, not an agent`, { hint: `run 'mcpctl chat-llm ${name}'` });
}

async function unlessNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}
