import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { outputOption } from '../../commands/option-parsers.js';
import { printResource } from '../resource-presentation.js';
import { printVisibleList } from '../print-visible-list.js';
import { getPool, listPools } from './pool-api.js';
import { poolPresentation } from './pool-presentation.js';

/** `mcpctl get pool|pools [NAME] [-o table|wide|json|yaml]` */
export function registerGetPool(get: Command, context: CliContext): void {
  get
    .command('pool')
    .alias('pools')
    .description('list the pools you can see (LLMs sharing a poolName), or show one')
    .argument('[name]', 'pool name')
    .addOption(outputOption())
    .action(async (name: string | undefined, options: { output: OutputFormat }) => {
      const client = await context.api();
      if (name === undefined) await printVisibleList(context.printer, client, options.output, poolPresentation, await listPools(client), 'view:llms');
      else printResource(context.printer, options.output, poolPresentation, await getPool(client, name));
    });
}
