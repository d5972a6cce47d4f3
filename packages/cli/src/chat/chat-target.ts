/** What a chat session talks to: the route answering it, and the LLM or pool behind it. */
export interface ChatTarget {
  /** The route chat requests are POSTed to. */
  path: string;
  /** The LLM or pool that answers, as named; `served by` is mentioned only when another pool member answered. */
  llmName: string;
}

/** `chat-llm NAME`: the stateless inference route of an LLM or pool. */
export function llmChatTarget(llmName: string): ChatTarget {
  return { path: `/api/v1/llms/${encodeURIComponent(llmName)}/infer`, llmName };
}

/** `chat AGENT`: the agent's chat route, answered by its pinned LLM or pool. */
export function agentChatTarget(agentName: string, llmName: string): ChatTarget {
  return { path: `/api/v1/agents/${encodeURIComponent(agentName)}/chat`, llmName };
}
