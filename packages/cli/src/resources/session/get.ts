import type { Command } from 'commander';
import { outputOption } from '../../commands/option-parsers.js';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { printResourceList } from '../resource-presentation.js';
import { listSessions } from './session-api.js';
import { sessionPresentation } from './session-presentation.js';

/** `mcpctl get session|sessions [--user U] [-o table|wide|json|yaml]` */
export function registerGetSession(get: Command, context: CliContext): void {
  get
    .command('session')
    .alias('sessions')
    .description("list publishers' sessions (mcplocal's connections): yours, or with admin rights everyone's")
    .option('--user <user>', "only this user's sessions")
    .addOption(outputOption())
    .action(async (options: { output: OutputFormat; user?: string }) => {
      const client = await context.api();
      const sessions = (await listSessions(client)).filter((session) => options.user === undefined || session.owner === options.user);
      printResourceList(context.printer, options.output, sessionPresentation(new Date(context.now())), sessions);
    });
}
