import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { asThreadNotFound, threadPath } from './thread-api.js';

/** `mcpctl delete thread ID` */
export function registerDeleteThread(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('thread')
    .alias('threads')
    .description('delete a conversation and its messages')
    .argument('<id>', 'thread id')
    .action(async (id: string) => {
      const client = await context.api();
      try {
        await client.request('DELETE', threadPath(id));
      } catch (error) {
        throw asThreadNotFound(error, id);
      }
      context.printer.line(`thread/${id} deleted`);
    });
}
