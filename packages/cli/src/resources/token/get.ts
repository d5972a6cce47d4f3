import type { Command } from 'commander';
import { outputOption } from '../../commands/option-parsers.js';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { printResourceList } from '../resource-presentation.js';
import { listTokens } from './token-api.js';
import { tokenPresentation } from './token-presentation.js';

/** `mcpctl get token|tokens [--user U] [-o table|wide|json|yaml]` */
export function registerGetToken(get: Command, context: CliContext): void {
  get
    .command('token')
    .alias('tokens')
    .description('list your tokens (and, with view:users, other users\' tokens); never the tokens themselves')
    .option('--user <user>', "only this user's tokens")
    .addOption(outputOption())
    .action(async (options: { output: OutputFormat; user?: string }) => {
      const client = await context.api();
      const tokens = (await listTokens(client)).filter((token) => options.user === undefined || token.user === options.user);
      printResourceList(context.printer, options.output, tokenPresentation, tokens);
    });
}
