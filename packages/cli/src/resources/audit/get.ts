import type { Command } from 'commander';
import { auditQuerySchema, deletedUserOf } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { outputOption } from '../../commands/option-parsers.js';
import { listAudit, type AuditOptions } from './audit-api.js';
import { checkQueryFlags, checkWindowFlags } from '../query-flags.js';
import { AUDIT_PRESENTATION, olderPageHint } from './audit-presentation.js';
import { printResourceList } from '../resource-presentation.js';

/** `mcpctl get audit [--llm NAME] [--user NAME] [--agent NAME] [--request-id ID] [--status ok|error|CODE] [--since 24h] [--until T] [--limit N] [--before ID] [-o …]` */
export function registerGetAudit(get: Command, context: CliContext): void {
  get
    .command('audit')
    .description("one line per inference, newest first: everyone's with view:audit, else your own")
    .option('--llm <name>', 'the LLM or pool asked for')
    .option('--user <name>', 'who asked')
    .option('--agent <name>', 'the agent chatted with')
    .option('--request-id <id>', 'the call whose answer came with this x-request-id')
    .option('--status <status>', 'ok (below 400), error (400 and above), or one status such as 503')
    .option('--since <time>', 'from a duration ago (30m, 24h, 7d) or an ISO 8601 time')
    .option('--until <time>', 'up to a duration ago or an ISO 8601 time')
    .option('--limit <n>', 'records on the page, 1 to 1000', '50')
    .option('--before <id>', 'records older than this id: the page after one that was full')
    .addOption(outputOption())
    .action(async ({ output, ...filters }: AuditOptions & { output: OutputFormat }) => {
      const { limit, since, until } = checkQueryFlags(auditQuerySchema, filters);
      if (since !== undefined) checkWindowFlags(since, until);
      const client = await context.api();
      const records = await listAudit(client, filters);
      printResourceList(context.printer, output, AUDIT_PRESENTATION, records);
      // On stderr, like the table's notices: a JSON or YAML reader's stdout stays the records alone.
      const hint = olderPageHint(records, limit);
      if (hint) context.printer.notice(hint);
      // An mcpd from before it refused the filter answers the caller's own records whatever --user says: a table of them must not pass for another's.
      // A deleted user's records are read as `NAME (deleted)` and carry the name alone.
      const { user } = filters;
      if (user !== undefined && records.some((record) => record.userName !== (deletedUserOf(user) ?? user))) {
        context.printer.notice(`note: --user ${user} needs the view:audit permission, so these are your own calls`);
      }
    });
}
