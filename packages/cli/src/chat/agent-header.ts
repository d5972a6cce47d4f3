import type { AgentView, LlmView } from '@mcpctl/protocol';

/**
 * `Chatting with agent reviewer (llm qwen3 · active).`, plus a word when the agent or its
 * LLM cannot answer at once. `llm` is the agent's pinned LLM when the caller can see it
 * as one (a pool name has no single status).
 */
export function agentHeader(agent: AgentView, llm: LlmView | undefined, oneShot: boolean): string {
  const state = agent.llmState === 'moved' || agent.llmState === 'gone' ? ` (${agent.llmState})` : '';
  const header = `Chatting with agent ${agent.name} (llm ${agent.llm}${state} · ${agent.status}).`;
  return `${header}${stateNote(agent, llm)}${oneShot ? '' : ' Ctrl-D to quit, /clear starts a new thread.'}`;
}

function stateNote(agent: AgentView, llm: LlmView | undefined): string {
  // What the name means now is not what the agent was pointed at: its status says nothing of the agent.
  if (agent.llmState === 'moved') return ` It cannot answer: ${agent.llm} now names something else than what it was pointed at; mcpctl describe agent ${agent.name} says what to do.`;
  if (agent.llmState === 'gone') return ` It cannot answer: its LLM ${agent.llm} is gone; mcpctl describe agent ${agent.name} says what to do.`;
  if (agent.status === 'inactive') return ' Its publisher is offline: requests fail until it reconnects.';
  if (llm?.status === 'hibernating') return ` Its LLM ${llm.name} is hibernating and wakes on the first message.`;
  // An agent pinned to a pool member is dispatched across the pool (SPEC §12).
  if (llm?.status === 'inactive' && llm.poolName !== null) return ` Its LLM ${llm.name} is offline: the other members of pool ${llm.poolName} answer until it is back.`;
  if (llm?.status === 'inactive') return ` Its LLM ${llm.name} is offline: requests fail until its publisher reconnects.`;
  return '';
}
