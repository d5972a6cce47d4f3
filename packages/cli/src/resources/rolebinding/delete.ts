import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { asRoleBindingNotFound, roleBindingPath } from './role-binding-api.js';

/** `mcpctl delete rolebinding NAME` */
export function registerDeleteRoleBinding(deleteCommand: Command, context: CliContext): void {
  deleteCommand
    .command('rolebinding')
    .alias('rolebindings')
    .description('remove a role binding; what it granted is gone on the next request')
    .argument('<name>', 'role binding name')
    .action(async (name: string) => {
      const client = await context.api();
      try {
        await client.request('DELETE', roleBindingPath(name));
      } catch (error) {
        throw asRoleBindingNotFound(error, name);
      }
      context.printer.line(`rolebinding/${name} deleted`);
    });
}
