import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { deleteEach, deletionAt, type DeleteTarget } from '../delete-each.js';
import { asUserNotFound, userPath } from './user-api.js';

/** `mcpctl delete user NAME…` */
export function registerDeleteUser(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('user')
    .alias('users')
    .description('delete users with their tokens, their own role bindings and the LLMs their mcplocal published')
    .argument('<names...>', 'user names')
    .action(async (names: string[]) => deleteEach(await context.api(), context.printer, names.map(userDeletion), 'users'));
}

export function userDeletion(name: string): DeleteTarget {
  return deletionAt(`user/${name}`, userPath(name), (error) => asUserNotFound(error, name));
}
