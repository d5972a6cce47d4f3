import type { Command } from 'commander';
import type { ApiClient } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { deleteEach, type DeleteTarget } from '../delete-each.js';
import { agentPath, asAgentNotFound, findAgent } from './agent-api.js';

/** `mcpctl delete agent NAME…` */
export function registerDeleteAgent(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('agent')
    .alias('agents')
    .description('remove agents')
    .argument('<names...>', 'agent names or ids')
    .action(async (names: string[]) => deleteEach(await context.api(), context.printer, names.map(agentDeletion), 'agents'));
}

/** Deleting one agent, with a note when an mcplocal publishes it: it comes back, as a published LLM does. */
export function agentDeletion(name: string): DeleteTarget {
  return { label: `agent/${name}`, remove: (client) => deleteAgent(client, name) };
}

async function deleteAgent(client: ApiClient, name: string): Promise<string[]> {
  // Read first only to say what deleting it does; the DELETE decides the rest.
  const before = await findAgent(client, name).catch(() => undefined);
  try {
    await client.request('DELETE', agentPath(name));
  } catch (error) {
    throw asAgentNotFound(error, name);
  }
  if (before?.kind !== 'virtual') return [];
  return [
    `note: ${name} is published by an mcplocal: it comes back when that mcplocal registers again (when it restarts or reconnects); to stop publishing it, remove it from "agents" in that mcplocal's config.json`,
  ];
}
