import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { outputOption } from '../../commands/option-parsers.js';
import { printResource } from '../resource-presentation.js';
import { printVisibleList } from '../print-visible-list.js';
import { getLlm, listLlms } from './llm-api.js';
import { llmPresentation } from './llm-presentation.js';

/** `mcpctl get llm|llms [NAME] [-o table|wide|json|yaml]` */
export function registerGetLlm(get: Command, context: CliContext): void {
  get
    .command('llm')
    .alias('llms')
    .description('list the LLMs you can see, or show one')
    .argument('[name]', 'LLM name or id')
    .addOption(outputOption())
    .action(async (name: string | undefined, options: { output: OutputFormat }) => {
      const client = await context.api();
      if (name === undefined) await printVisibleList(context.printer, client, options.output, llmPresentation, await listLlms(client), 'view:llms');
      else printResource(context.printer, options.output, llmPresentation, await getLlm(client, name));
    });
}
