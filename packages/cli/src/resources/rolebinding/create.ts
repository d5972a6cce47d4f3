import { Option, type Command } from 'commander';
import { roleBindingCreateSchema, roleNameSchema, type RoleBindingCreate } from '@mcpctl/protocol';
import { collect } from '../../commands/option-parsers.js';
import type { CliContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { checkSchema } from '../../schema-check.js';
import { roleBindingPath } from './role-binding-api.js';
import { invalidNamed } from '../invalid-named.js';

interface CreateRoleBindingOptions {
  user?: string;
  group?: string;
  role?: string;
  permission: string[];
  resourceName: string[];
}

/**
 * `mcpctl create rolebinding NAME --user U|--group G (--role R | --permission VERB:RESOURCE …)
 * [--resource-name N …]`
 */
export function registerCreateRoleBinding(create: Command, context: CliContext): void {
  create
    .command('rolebinding')
    .description('grant a built-in role or permissions to a user or a group')
    .argument('<name>', 'role binding name')
    .option('--user <user>', 'the user it grants to')
    .option('--group <group>', 'the group it grants to')
    .addOption(new Option('--role <role>', 'a built-in role').choices(roleNameSchema.options))
    .option('--permission <permission>', 'VERB:RESOURCE, e.g. run:llms (repeatable)', collect, [])
    .option('--resource-name <name>', 'limit the grant to this LLM, pool, agent, user or binding name (repeatable)', collect, [])
    .action(async (name: string, options: CreateRoleBindingOptions) => {
      const body = roleBindingCreateBody(name, options);
      const client = await context.api();
      await client.request('POST', roleBindingPath(), { body });
      context.printer.line(`rolebinding/${name} created`);
    });
}

export function roleBindingCreateBody(name: string, options: CreateRoleBindingOptions): RoleBindingCreate {
  if ((options.user === undefined) === (options.group === undefined)) {
    throw new UsageError('name the subject with exactly one of --user or --group');
  }
  if ((options.role === undefined) === (options.permission.length === 0)) {
    throw new UsageError('grant exactly one of --role or --permission');
  }
  const candidate = {
    name,
    subjectKind: options.user === undefined ? 'group' : 'user',
    subjectName: options.user ?? options.group,
    ...(options.role === undefined ? { permissions: options.permission } : { role: options.role }),
    ...(options.resourceName.length > 0 ? { resourceNames: options.resourceName } : {}),
  };
  const checked = checkSchema(roleBindingCreateSchema, candidate);
  if (!checked.ok) throw new UsageError(`${invalidNamed('role binding', name)}: ${checked.problems}`);
  return checked.value;
}
