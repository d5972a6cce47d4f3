import type { Command } from 'commander';
import type { TokenView } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import { timeWithAge } from '../../format/relative-age.js';
import { findToken } from './token-api.js';

/** `mcpctl describe token NAME [--user U]`: never the token itself, which mcpd keeps only hashed. */
export function registerDescribeToken(describe: Command, context: CliContext): void {
  describe
    .command('token')
    .alias('tokens')
    .description('show a token: whose it is, when it expires (never the token itself)')
    .argument('<name>', 'token name or id')
    .option('--user <user>', 'whose token NAME is (default: yours)')
    .action(async (name: string, options: { user?: string }) => {
      const token = await findToken(await context.api(), name, options.user);
      context.printer.fields(describeTokenFields(token, new Date(context.now())));
    });
}

/** The `describe` lines of a token. */
export function describeTokenFields(token: TokenView, now: Date): Array<readonly [string, string]> {
  const expires = token.expiresAt === null ? 'never' : `${timeWithAge(token.expiresAt, now)}${token.expired ? ' (expired)' : ''}`;
  return [
    ['Name', token.name],
    ['ID', token.id],
    ['User', token.user],
    ['Expires', expires],
    ['Created', timeWithAge(token.createdAt, now)],
  ];
}
