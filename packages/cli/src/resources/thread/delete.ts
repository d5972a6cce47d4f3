import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { deleteEach, deletionAt } from '../delete-each.js';
import { asThreadNotFound, threadPath } from './thread-api.js';

/** `mcpctl delete thread ID…` */
export function registerDeleteThread(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('thread')
    .alias('threads')
    .description('delete conversations and their messages')
    .argument('<ids...>', 'thread ids')
    .action(async (ids: string[]) => {
      const targets = ids.map((id) => deletionAt(`thread/${id}`, threadPath(id), (error) => asThreadNotFound(error, id)));
      await deleteEach(await context.api(), context.printer, targets, 'threads');
    });
}
