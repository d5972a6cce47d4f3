import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { deleteEach, deletionAt, type DeleteTarget } from '../delete-each.js';
import { agentPath, asAgentNotFound } from './agent-api.js';

/** `mcpctl delete agent NAME…` */
export function registerDeleteAgent(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('agent')
    .alias('agents')
    .description('remove agents')
    .argument('<names...>', 'agent names or ids')
    .action(async (names: string[]) => deleteEach(await context.api(), context.printer, names.map(agentDeletion), 'agents'));
}

export function agentDeletion(name: string): DeleteTarget {
  return deletionAt(`agent/${name}`, agentPath(name), (error) => asAgentNotFound(error, name));
}
