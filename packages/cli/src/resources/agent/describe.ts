import type { Command } from 'commander';
import type { AgentView } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import { timeWithAge } from '../../format/relative-age.js';
import { ABSENT } from '../../printer.js';
import { getAgent } from './agent-api.js';
import { sortedEntries } from './agent-params.js';
import { pinnedLlm } from './agent-presentation.js';

/** `mcpctl describe agent NAME` */
export function registerDescribeAgent(describe: Command, context: CliContext): void {
  describe
    .command('agent')
    .alias('agents')
    .description('show every detail of an agent, its system prompt in full')
    .argument('<name>', 'agent name or id')
    .action(async (name: string) => {
      const agent = await getAgent(await context.api(), name);
      context.printer.fields(describeAgentFields(agent, new Date(context.now())));
      context.printer.line('System prompt:');
      for (const line of systemPromptLines(agent.systemPrompt)) context.printer.line(line);
    });
}

/** The `describe` lines of an agent, before its system prompt. */
export function describeAgentFields(agent: AgentView, now: Date): Array<readonly [string, string]> {
  return [
    ['Name', agent.name],
    ['ID', agent.id],
    ['Kind', agent.kind === 'virtual' ? 'virtual (published by mcplocal)' : 'public'],
    ['LLM', pinnedLlm(agent)],
    ...llmRemedy(agent),
    ['Status', agent.status],
    ['Visibility', agent.visibility],
    ['Owner', agent.owner ?? agent.ownerId ?? ABSENT],
    ['Project', agent.project ?? ABSENT],
    ['Description', agent.description ?? ABSENT],
    ['Default params', keyValueLines(agent.defaultParams)],
    ['Extras', keyValueLines(agent.extras)],
    ['Created', timeWithAge(agent.createdAt, now)],
    ['Updated', timeWithAge(agent.updatedAt, now)],
  ];
}

/**
 * What can be done about an agent whose LLM the caller no longer sees, or whose LLM's name now
 * answers to something else (another owner's LLM, an LLM where a pool was): chats through it
 * are refused until its owner acts. A published agent's LLM is set in its mcplocal's config.json.
 */
function llmRemedy(agent: AgentView): Array<readonly [string, string]> {
  if (agent.llmState !== 'gone' && agent.llmState !== 'moved') return [];
  const what = agent.llmState === 'gone' ? `${agent.llm} is not an LLM you can see (deleted, or private)` : `${agent.llm} now names something other than what the agent was pinned to`;
  if (agent.kind === 'virtual') return [['What to do', `${what}: its publisher sets another llmName for it in mcplocal's config.json`]];
  const repoint = `its owner can point it at another LLM or pool (change llm in 'mcpctl get agent ${agent.name} -o yaml', then mcpctl apply -f)`;
  const again = agent.llmState === 'moved' ? `, or delete it and apply it again to pin what ${agent.llm} names now` : ', or delete it';
  return [['What to do', `${what}: ${repoint}${again}`]];
}

/** The prompt indented under its label, every line of it: a prompt is read, not skimmed. */
export function systemPromptLines(systemPrompt: string | null): string[] {
  if (systemPrompt === null || systemPrompt === '') return [`  ${ABSENT}`];
  return systemPrompt.split('\n').map((line) => (line === '' ? '' : `  ${line}`));
}

/** `key: value` per line, sorted by key, values as JSON (strings bare). */
function keyValueLines(values: Record<string, unknown>): string {
  const entries = sortedEntries(values);
  if (entries.length === 0) return ABSENT;
  return entries.map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`).join('\n');
}
