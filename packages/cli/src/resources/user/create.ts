import { Option, type Command } from 'commander';
import { roleNameSchema, userCreateSchema, type UserCreate } from '@mcpctl/protocol';
import { collect } from '../../commands/option-parsers.js';
import type { CliContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';
import { userPath } from './user-api.js';
import { invalidNamed } from '../invalid-named.js';

interface CreateUserOptions {
  group: string[];
  role?: string;
}

/** `mcpctl create user NAME [--group G]… [--role member|viewer|admin|none]` */
export function registerCreateUser(create: Command, context: CliContext): void {
  create
    .command('user')
    .description('create a user (then give it a token with `mcpctl create token --user NAME`)')
    .argument('<name>', 'user name (lower-case letters, digits, "-" and ".")')
    .option('--group <group>', 'a group the user belongs to (repeatable)', collect, [])
    .addOption(new Option('--role <role>', 'built-in role the user holds (default member)').choices([...roleNameSchema.options, 'none']))
    .action(async (name: string, options: CreateUserOptions) => {
      const body = userCreateBody(name, options);
      const client = await context.api();
      await client.request('POST', userPath(), { body });
      context.printer.line(`user/${name} created`);
    });
}

export function userCreateBody(name: string, options: CreateUserOptions): UserCreate {
  const candidate = {
    name,
    ...(options.group.length > 0 ? { groups: options.group } : {}),
    ...(options.role === undefined ? {} : { role: options.role === 'none' ? null : options.role }),
  };
  const checked = checkSchema(userCreateSchema, candidate);
  if (!checked.ok) throw new UsageError(`${invalidNamed('user', name)}: ${checked.problems}`);
  return checked.value;
}
