import type { Command } from 'commander';
import { outputOption } from '../../commands/option-parsers.js';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { printResource, printResourceList } from '../resource-presentation.js';
import type { ApiClient } from '../../api-client.js';
import { ApiError } from '../../errors.js';
import { callerStatus, holdsAny } from '../caller-grants.js';
import { getUser } from '../user/user-api.js';
import { findToken, listTokens } from './token-api.js';
import { tokenPresentation } from './token-presentation.js';

/** Fails when `user` is not the caller and is unknown to it, or its tokens are hidden from it. */
async function assertMaySeeTokensOf(client: ApiClient, user: string): Promise<void> {
  const caller = await callerStatus(client);
  if (user === caller.name) return;
  if (holdsAny(caller, 'view:users') === false) {
    throw new ApiError(403, `you see only your own tokens: listing ${user}'s needs view:users`, { hint: "'mcpctl status' lists your grants" });
  }
  await getUser(client, user);
}

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
