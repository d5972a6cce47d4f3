import type { Command } from 'commander';
import type { RoleBindingView } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import { timeWithAge } from '../../format/relative-age.js';
import { getRoleBinding } from './role-binding-api.js';

/** `mcpctl describe rolebinding NAME`: who it grants what, on which resources. */
export function registerDescribeRoleBinding(describe: Command, context: CliContext): void {
  describe
    .command('rolebinding')
    .alias('rolebindings')
    .description('show a role binding: its subject, what it grants and on which resources')
    .argument('<name>', 'role binding name')
    .action(async (name: string) => {
      const binding = await getRoleBinding(await context.api(), name);
      context.printer.fields(describeRoleBindingFields(binding, new Date(context.now())));
    });
}

/** The `describe` lines of a role binding. */
export function describeRoleBindingFields(binding: RoleBindingView, now: Date): Array<readonly [string, string]> {
  return [
    ['Name', binding.name],
    ['ID', binding.id],
    ['Subject', `${binding.subjectKind} ${binding.subjectName}`],
    ['Role', binding.role ?? 'none'],
    ['Permissions', binding.permissions.length === 0 ? 'none' : binding.permissions.join(', ')],
    ['Resources', binding.resourceNames === null ? 'everything' : binding.resourceNames.join(', ')],
    ['Created', timeWithAge(binding.createdAt, now)],
  ];
}
