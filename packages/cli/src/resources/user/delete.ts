import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { asUserNotFound, userPath } from './user-api.js';

/** `mcpctl delete user NAME` */
export function registerDeleteUser(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('user')
    .alias('users')
    .description('delete a user with its tokens, its own role bindings and the LLMs its mcplocal published')
    .argument('<name>', 'user name')
    .action(async (name: string) => {
      const client = await context.api();
      try {
        await client.request('DELETE', userPath(name));
      } catch (error) {
        throw asUserNotFound(error, name);
      }
      context.printer.line(`user/${name} deleted`);
    });
}
