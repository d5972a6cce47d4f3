import type { AgentEntry } from '@mcpctl/protocol';
import type { IndexedEntry } from './provider-rules.js';

/**
 * Agent names must be unique. An agent's `llmName` is not checked here: it may name a central
 * LLM, which only mcpd knows, and mcpd checks it at register.
 */
export function agentProblems(agents: ReadonlyArray<IndexedEntry<AgentEntry>>): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  for (const { index, entry } of agents) {
    const same = names.get(entry.name);
    if (same !== undefined) problems.push(`config.json: agents[${index}].name: "${entry.name}" is also the name of agents[${same}]`);
    else names.set(entry.name, index);
  }
  return problems;
}
