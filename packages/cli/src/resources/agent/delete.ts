import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { agentPath, asAgentNotFound } from './agent-api.js';

/** `mcpctl delete agent NAME` */
export function registerDeleteAgent(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('agent')
    .alias('agents')
    .description('remove an agent')
    .argument('<name>', 'agent name or id')
    .action(async (name: string) => {
      const client = await context.api();
      try {
        await client.request('DELETE', agentPath(name));
      } catch (error) {
        throw asAgentNotFound(error, name);
      }
      context.printer.line(`agent/${name} deleted`);
    });
}
