import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { asDeleteNotFound, llmPath } from './llm-api.js';

/** `mcpctl delete llm NAME` */
export function registerDeleteLlm(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('llm')
    .description('remove an LLM from the registry')
    .argument('<name>', 'LLM name or id')
    .action(async (name: string) => {
      const client = await context.api();
      try {
        await client.request('DELETE', llmPath(name));
      } catch (error) {
        throw await asDeleteNotFound(client, error, name);
      }
      context.printer.line(`llm/${name} deleted`);
    });
}
