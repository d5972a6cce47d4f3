import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { deleteEach, deletionAt } from '../delete-each.js';
import { tokenNotFound, tokenPath } from './token-api.js';

/** `mcpctl delete token NAME… [--user U]`: revokes them at once. */
export function registerDeleteToken(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('token')
    .alias('tokens')
    .description('revoke tokens (by name, or by id)')
    .argument('<names...>', 'token names or ids')
    .option('--user <user>', 'whose tokens NAME… are (default: yours)')
    .action(async (names: string[], options: { user?: string }) => {
      const targets = names.map((name) => deletionAt(`token/${name}`, tokenPath(name, options.user), (error, client) => tokenNotFound(client, error, name, options.user)));
      await deleteEach(await context.api(), context.printer, targets, 'tokens');
    });
}
