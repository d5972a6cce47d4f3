import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { tokenNotFound, tokenPath } from './token-api.js';

/** `mcpctl delete token NAME [--user U]`: revokes it at once. */
export function registerDeleteToken(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('token')
    .alias('tokens')
    .description('revoke a token (by name, or by id)')
    .argument('<name>', 'token name or id')
    .option('--user <user>', 'whose token NAME is (default: yours)')
    .action(async (name: string, options: { user?: string }) => {
      const client = await context.api();
      try {
        await client.request('DELETE', tokenPath(name, options.user));
      } catch (error) {
        throw await tokenNotFound(client, error, name, options.user);
      }
      context.printer.line(`token/${name} deleted`);
    });
}
