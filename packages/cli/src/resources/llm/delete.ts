import type { Command } from 'commander';
import type { ApiClient } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { listAgents } from '../agent/agent-api.js';
import { deleteEach, type DeleteTarget } from '../delete-each.js';
import { asDeleteNotFound, findLlm, llmPath } from './llm-api.js';

/** `mcpctl delete llm NAME…` */
export function registerDeleteLlm(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('llm')
    .alias('llms')
    .description('remove LLMs from the registry')
    .argument('<names...>', 'LLM names or ids')
    .action(async (names: string[]) => deleteEach(await context.api(), context.printer, names.map(llmDeletion), 'llms'));
}

/** Deleting one LLM, with what it leaves behind said after: agents pinned to it, an mcplocal that publishes it again. */
export function llmDeletion(name: string): DeleteTarget {
  return { label: `llm/${name}`, remove: (client) => deleteLlm(client, name) };
}

async function deleteLlm(client: ApiClient, name: string): Promise<string[]> {
  // Read first only to say what deleting it does; the DELETE decides the rest.
  const before = await findLlm(client, name).catch(() => undefined);
  const pinned = before === undefined ? [] : await agentsPinnedTo(client, before.name);
  try {
    await client.request('DELETE', llmPath(name));
  } catch (error) {
    throw await asDeleteNotFound(client, error, name);
  }
  const notes: string[] = [];
  const [firstPinned] = pinned;
  if (firstPinned !== undefined) {
    const many = pinned.length > 1;
    notes.push(
      `note: agent${many ? 's' : ''} ${pinned.join(', ')} ${many ? 'are' : 'is'} pinned to ${name} and cannot answer until pointed at another LLM; mcpctl describe agent ${firstPinned} says what to do`,
    );
  }
  // Connected or not (and to this replica or another), its mcplocal publishes it again when it next registers.
  if (before?.kind === 'virtual') {
    notes.push(
      `note: ${name} is published by an mcplocal: it comes back when that mcplocal registers again (when it restarts or reconnects); to stop publishing it, set "publish": false for it in that mcplocal's config.json`,
    );
  }
  return notes;
}

/** The agents the caller sees that are pinned to `llmName` (a note, so a failure to list them says nothing). */
async function agentsPinnedTo(client: ApiClient, llmName: string): Promise<string[]> {
  const agents = await listAgents(client).catch(() => []);
  return agents.filter((agent) => agent.llm === llmName).map((agent) => agent.name);
}
