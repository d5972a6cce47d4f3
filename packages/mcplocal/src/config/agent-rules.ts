import { agentParamsProblem, chatFieldsMessage, type AgentEntry } from '@mcpctl/protocol';
import { keyPath } from './schema-problems.js';
import type { IndexedEntry } from './provider-rules.js';

/**
 * Agent names must be unique, and default parameters must be ones a request takes (mcpd would
 * otherwise refuse every chat with the agent). An agent's `llmName` is not checked here: it may
 * name a central LLM, which only mcpd knows, and mcpd checks it at register.
 */
export function agentProblems(agents: ReadonlyArray<IndexedEntry<AgentEntry>>): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  for (const { index, entry } of agents) {
    const same = names.get(entry.name);
    if (same !== undefined) problems.push(`config.json: agents[${index}].name: "${entry.name}" is also the name of agents[${same}]`);
    else names.set(entry.name, index);
    const at = `config.json: agents[${index}].defaultParams`;
    const problem = entry.defaultParams === undefined ? undefined : agentParamsProblem(entry.defaultParams);
    if (problem?.kind === 'chat-fields') problems.push(`${at}: ${chatFieldsMessage(problem.fields)}`);
    if (problem?.kind === 'invalid') {
      for (const issue of problem.error.issues) problems.push(`${at}${issue.path.length > 0 ? `.${keyPath(issue.path)}` : ''}: ${issue.message}`);
    }
  }
  return problems;
}
