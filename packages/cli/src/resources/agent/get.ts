import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { outputOption } from '../../commands/option-parsers.js';
import { printResource } from '../resource-presentation.js';
import { printVisibleList } from '../print-visible-list.js';
import { getAgent, listAgents } from './agent-api.js';
import { agentPresentation } from './agent-presentation.js';

/** `mcpctl get agent|agents [NAME] [-o table|wide|json|yaml]` */
export function registerGetAgent(get: Command, context: CliContext): void {
  get
    .command('agent')
    .alias('agents')
    .description('list the agents you can see, or show one')
    .argument('[name]', 'agent name or id')
    .addOption(outputOption())
    .action(async (name: string | undefined, options: { output: OutputFormat }) => {
      const client = await context.api();
      if (name === undefined) await printVisibleList(context.printer, client, options.output, agentPresentation, await listAgents(client), 'view:agents');
      else printResource(context.printer, options.output, agentPresentation, await getAgent(client, name));
    });
}
