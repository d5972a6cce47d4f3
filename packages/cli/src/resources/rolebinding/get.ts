import type { Command } from 'commander';
import { outputOption } from '../../commands/option-parsers.js';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { printResource, printResourceList } from '../resource-presentation.js';
import { getRoleBinding, listRoleBindings } from './role-binding-api.js';
import { roleBindingPresentation } from './role-binding-presentation.js';

/** `mcpctl get rolebinding|rolebindings [NAME] [-o table|wide|json|yaml]` */
export function registerGetRoleBinding(get: Command, context: CliContext): void {
  get
    .command('rolebinding')
    .alias('rolebindings')
    .description('list the role bindings you can see (those that apply to you; all with view:rbac), or show one')
    .argument('[name]', 'role binding name')
    .addOption(outputOption())
    .action(async (name: string | undefined, options: { output: OutputFormat }) => {
      const client = await context.api();
      if (name === undefined) printResourceList(context.printer, options.output, roleBindingPresentation, await listRoleBindings(client));
      else printResource(context.printer, options.output, roleBindingPresentation, await getRoleBinding(client, name));
    });
}
