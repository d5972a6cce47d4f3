import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { asDeleteNotFound, findLlm, llmPath } from './llm-api.js';

/** `mcpctl delete llm NAME` */
export function registerDeleteLlm(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('llm')
    .alias('llms')
    .description('remove an LLM from the registry')
    .argument('<name>', 'LLM name or id')
    .action(async (name: string) => {
      const client = await context.api();
      // Read first only to say what deleting a published LLM does; the DELETE decides the rest.
      const before = await findLlm(client, name).catch(() => undefined);
      try {
        await client.request('DELETE', llmPath(name));
      } catch (error) {
        throw await asDeleteNotFound(client, error, name);
      }
      context.printer.line(`llm/${name} deleted`);
      // Connected or not (and to this replica or another), its mcplocal publishes it again when it next registers.
      if (before?.kind === 'virtual') {
        context.printer.notice(
          `note: ${name} is published by an mcplocal: it comes back when that mcplocal registers again (when it restarts or reconnects); to stop publishing it, set "publish": false for it in that mcplocal's config.json`,
        );
      }
    });
}
