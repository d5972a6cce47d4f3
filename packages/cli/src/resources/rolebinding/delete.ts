import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { deleteEach, deletionAt, type DeleteTarget } from '../delete-each.js';
import { asRoleBindingNotFound, roleBindingPath } from './role-binding-api.js';

/** `mcpctl delete rolebinding NAME…` */
export function registerDeleteRoleBinding(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('rolebinding')
    .alias('rolebindings')
    .description('remove role bindings; what they granted is gone on the next request')
    .argument('<names...>', 'role binding names')
    .action(async (names: string[]) => deleteEach(await context.api(), context.printer, names.map(roleBindingDeletion), 'role bindings'));
}

export function roleBindingDeletion(name: string): DeleteTarget {
  return deletionAt(`rolebinding/${name}`, roleBindingPath(name), (error) => asRoleBindingNotFound(error, name));
}
