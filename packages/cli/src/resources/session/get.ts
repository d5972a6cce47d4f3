import type { Command } from 'commander';
import { outputOption } from '../../commands/option-parsers.js';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { printResource, printResourceList } from '../resource-presentation.js';
import { listSessions, sessionOf } from './session-api.js';
import { sessionPresentation } from './session-presentation.js';

/** `mcpctl get session|sessions [REF] [--user U] [-o table|wide|json|yaml]` */
export function registerGetSession(get: Command, context: CliContext): void {
  get
    .command('session')
    .alias('sessions')
    .description("list publishers' sessions (each mcplocal's registration and its connection): your own, or everyone's for an admin; or show one")
    .argument('[ref]', 'the session reference that `get sessions` and `describe llm` show (never the secret session id)')
    .option('--user <user>', "only this user's sessions (a user name)")
    .addOption(outputOption())
    .action(async (ref: string | undefined, options: { output: OutputFormat; user?: string }) => {
      const client = await context.api();
      const presentation = sessionPresentation(new Date(context.now()));
      const sessions = (await listSessions(client)).filter((session) => options.user === undefined || session.owner === options.user);
      if (ref === undefined) {
        printResourceList(context.printer, options.output, presentation, sessions);
        return;
      }
      const session = sessionOf(sessions, ref);
      printResource(context.printer, options.output, presentation, session);
    });
}
