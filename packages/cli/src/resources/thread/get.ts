import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { outputOption } from '../../commands/option-parsers.js';
import { printResource, printResourceList } from '../resource-presentation.js';
import { getThread, listThreads } from './thread-api.js';
import { threadPresentation } from './thread-presentation.js';

/** `mcpctl get thread|threads [ID] [-o table|wide|json|yaml]` */
export function registerGetThread(get: Command, context: CliContext): void {
  get
    .command('thread')
    .alias('threads')
    .description('list your conversations with agents, or show one')
    .argument('[id]', 'thread id')
    .addOption(outputOption())
    .action(async (id: string | undefined, options: { output: OutputFormat }) => {
      const client = await context.api();
      const presentation = threadPresentation(new Date(context.now()));
      // One thread is shown with its messages in JSON and YAML: a script asking for it wants them.
      if (id === undefined) printResourceList(context.printer, options.output, presentation, await listThreads(client));
      else printResource(context.printer, options.output, presentation, await getThread(client, id));
    });
}
