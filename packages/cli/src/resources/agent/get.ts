import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { outputOption } from '../../commands/option-parsers.js';
import { printResource, printResourceList } from '../resource-presentation.js';
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
      if (name === undefined) printResourceList(context.printer, options.output, agentPresentation, await listAgents(client));
      else printResource(context.printer, options.output, agentPresentation, await getAgent(client, name));
    });
}
