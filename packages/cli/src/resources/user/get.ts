import type { Command } from 'commander';
import { outputOption } from '../../commands/option-parsers.js';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { printResource, printResourceList } from '../resource-presentation.js';
import { getUser, listUsers } from './user-api.js';
import { userPresentation } from './user-presentation.js';

/** `mcpctl get user|users [NAME] [-o table|wide|json|yaml]` */
export function registerGetUser(get: Command, context: CliContext): void {
  get
    .command('user')
    .alias('users')
    .description('list the users you can see, or show one')
    .argument('[name]', 'user name')
    .addOption(outputOption())
    .action(async (name: string | undefined, options: { output: OutputFormat }) => {
      const client = await context.api();
      if (name === undefined) printResourceList(context.printer, options.output, userPresentation, await listUsers(client));
      else printResource(context.printer, options.output, userPresentation, await getUser(client, name));
    });
}
