import { Option, type Command } from 'commander';
import { tokenCreatedSchema, tokenCreateSchema, type TokenCreate } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';
import { asUserNotFound } from '../user/user-api.js';
import { tokenPath } from './token-api.js';

interface CreateTokenOptions {
  user?: string;
  name?: string;
  expires?: string;
  output?: 'json' | 'yaml';
}

/**
 * `mcpctl create token [--user U] [--name N] [--expires 30d] [-o json|yaml]`. The token is
 * shown once and alone on stdout, so `TOKEN=$(mcpctl create token)` captures it; the notice
 * goes to stderr.
 */
export function registerCreateToken(create: Command, context: CliContext): void {
  create
    .command('token')
    .description('create a bearer token (shown once) for yourself, or as an admin for --user')
    .option('--user <user>', 'whose token it is (default: you)')
    .option('--name <name>', 'a name to tell it apart (default: generated)')
    .option('--expires <lifetime>', 'lifetime such as 90m, 12h or 30d (default: never)')
    .addOption(new Option('-o, --output <format>', 'print {name, user, token, expiresAt}').choices(['json', 'yaml']))
    .action(async (options: CreateTokenOptions) => {
      const body = tokenCreateBody(options);
      const client = await context.api();
      let created;
      try {
        created = await client.json('POST', tokenPath(), tokenCreatedSchema, { body });
      } catch (error) {
        throw options.user === undefined ? error : asUserNotFound(error, options.user);
      }
      const shown = { name: created.name, user: created.user, token: created.token, expiresAt: created.expiresAt };
      if (options.output === 'json') context.printer.json(shown);
      else if (options.output === 'yaml') context.printer.yaml([{ value: shown }]);
      else context.printer.line(created.token);
      const expiry = created.expiresAt === null ? 'never expires' : `expires ${created.expiresAt}`;
      context.printer.notice(`token/${created.name} created for ${created.user} (${expiry}); it is shown only this once`);
    });
}

export function tokenCreateBody(options: CreateTokenOptions): TokenCreate {
  const candidate = {
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.expires === undefined ? {} : { expiresIn: options.expires }),
  };
  const checked = checkSchema(tokenCreateSchema, candidate);
  if (!checked.ok) throw new UsageError(`invalid token request: ${checked.problems.replaceAll('expiresIn', '--expires')}`);
  return checked.value;
}
