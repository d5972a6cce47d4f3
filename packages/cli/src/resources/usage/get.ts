import { Option, type Command } from 'commander';
import { usageDimensionSchema, usageQuerySchema, type UsageDimension } from '@mcpctl/protocol';
import { checkQueryFlags, checkWindowFlags } from '../query-flags.js';
import type { CliContext } from '../../context.js';
import type { OutputFormat } from '../../printer.js';
import { outputOption } from '../../commands/option-parsers.js';
import { READ_ONLY_KINDS } from '../../documents/read-only-kinds.js';
import { getUsage } from './usage-api.js';
import { usageColumns, usageHeadline } from './usage-presentation.js';

/** `mcpctl get usage [--by user|llm|agent] [--since 24h] [--until T] [-o table|wide|json|yaml]` */
export function registerGetUsage(get: Command, context: CliContext): void {
  get
    .command('usage')
    .description("requests, errors, tokens and latency per user, LLM or agent: everyone's with view:audit, else your own")
    .addOption(new Option('--by <dimension>', 'count per').choices(usageDimensionSchema.options).default('llm'))
    .option('--since <time>', 'from a duration ago (30m, 24h, 7d) or an ISO 8601 time', '24h')
    .option('--until <time>', 'up to a duration ago or an ISO 8601 time (default: now)')
    .addOption(outputOption())
    .action(async (options: { by: UsageDimension; since: string; until?: string; output: OutputFormat }) => {
      const query = checkQueryFlags(usageQuerySchema, { since: options.since, until: options.until });
      checkWindowFlags(query.since, query.until);
      const client = await context.api();
      const report = await getUsage(client, options);
      if (options.output === 'json') {
        context.printer.json({ kind: 'Usage', ...report });
        return;
      }
      if (options.output === 'yaml') {
        context.printer.yaml([{ value: { kind: 'Usage', ...report }, comment: READ_ONLY_KINDS.Usage }]);
        return;
      }
      context.printer.notice(usageHeadline(report));
      if (report.rows.length === 0) context.printer.notice('No requests in that window.');
      else context.printer.table(usageColumns(report.by), report.rows, { wide: options.output === 'wide' });
    });
}
