import type { Command } from 'commander';
import { outputOption } from '../../commands/option-parsers.js';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { printResource, printResourceList } from '../resource-presentation.js';
import { assertMaySeeTokensOf, findToken, listTokens } from './token-api.js';
import { tokenPresentation } from './token-presentation.js';

/** `mcpctl get token|tokens [NAME] [--user U] [-o table|wide|json|yaml]` */
export function registerGetToken(get: Command, context: CliContext): void {
  get
    .command('token')
    .alias('tokens')
    .description('list your tokens (and, with view:users, other users\' tokens); never the tokens themselves')
    .argument('[name]', 'token name or id')
    .option('--user <user>', "only this user's tokens")
    .addOption(outputOption())
    .action(async (name: string | undefined, options: { output: OutputFormat; user?: string }) => {
      const client = await context.api();
      if (name !== undefined) {
        printResource(context.printer, options.output, tokenPresentation, await findToken(client, name, options.user));
        return;
      }
      const tokens = (await listTokens(client)).filter((token) => options.user === undefined || token.user === options.user);
      // None listed for another user: a misspelt name, or one whose tokens the caller may not see,
      // must not read as "they have none".
      if (tokens.length === 0 && options.user !== undefined) await assertMaySeeTokensOf(client, options.user);
      printResourceList(context.printer, options.output, tokenPresentation, tokens);
    });
}
