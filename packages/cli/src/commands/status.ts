import type { Command } from 'commander';
import { healthViewSchema, userLabel, type HealthView, type StatusView } from '@mcpctl/protocol';
import { readJson, type ApiClient } from '../api-client.js';
import type { CliContext } from '../context.js';
import { ApiError, CliError, NotMcpdError } from '../errors.js';
import { compactDuration } from '../format/relative-age.js';
import type { OutputFormat } from '../printer.js';
import { outputOption } from './option-parsers.js';

/** What `mcpctl status` reports; also its `-o json|yaml` shape. */
export interface StatusReport {
  url: string;
  user: StatusView['user'] | null;
  server: StatusView['server'] | null;
  live: HealthView;
  ready: HealthView;
}

/** `mcpctl status`: who am I, which server, and is it healthy. Exit 1 when it is not. */
export function registerStatus(program: Command, context: CliContext): void {
  program
    .command('status')
    .description('show the server you are logged in to, who you are, and its health')
    .addOption(outputOption())
    .action(async (options: { output: OutputFormat }) => {
      const client = await context.api();
      // Health first: it needs no token and says the most when the server is sick.
      const live = await probe(client, '/healthz');
      const ready = await probe(client, '/readyz');
      let identity: StatusView | undefined;
      let failure: CliError | undefined;
      try {
        identity = await client.status();
      } catch (error) {
        // Another server (or mcpd under a path, `…/v1`): its health lines would be about something else.
        if (!(error instanceof CliError) || error instanceof NotMcpdError) throw error;
        failure = error;
      }
      const report: StatusReport = { url: client.baseUrl, user: identity?.user ?? null, server: identity?.server ?? null, live, ready };
      printStatus(context, options.output, report);
      if (failure !== undefined) throw failure;
      if (live.status !== 'ok' || ready.status !== 'ok') {
        throw new ApiError(503, `mcpd is not ready${ready.reason === undefined ? '' : `: ${ready.reason}`}`);
      }
    });
}

/** `/healthz` and `/readyz` answer a health view with 200 or 503; anything else is reported as unavailable. */
async function probe(client: ApiClient, path: string): Promise<HealthView> {
  const response = await client.send('GET', path, { anonymous: true });
  if (response.status !== 200 && response.status !== 503) {
    await response.body?.cancel();
    return { status: 'unavailable', reason: `HTTP ${response.status}` };
  }
  return readJson(response, healthViewSchema, `GET ${path}`);
}

function printStatus(context: CliContext, format: OutputFormat, report: StatusReport): void {
  const { printer } = context;
  if (format === 'json') return printer.json(report);
  if (format === 'yaml') return printer.yaml([{ value: report }]);
  const user = report.user === null ? '-' : userLabel(report.user);
  // An admin may do everything, which the User line says; anyone else is told what they may do, one
  // grant a line (a grant's own names are joined with commas).
  const grants = report.user?.grants !== undefined && !report.user.admin ? [['Grants', report.user.grants.map(grantLine).join('\n') || 'none'] as const] : [];
  printer.fields([
    ['Server', report.url],
    ['User', user],
    ...grants,
    ['Version', report.server?.version ?? '-'],
    ['Database', report.server?.database ?? '-'],
    ['Uptime', report.server === null ? '-' : compactDuration(report.server.uptimeSeconds)],
    ...replicaLines(report.server),
    ['Live', healthText(report.live)],
    ['Ready', healthText(report.ready)],
  ]);
}

/** Among replicas, for an admin: the one that answered, and every one alive. */
function replicaLines(server: StatusView['server'] | null): Array<readonly [string, string]> {
  if (server?.replica === undefined) return [];
  const alive = server.replicas ?? [];
  return [
    ['Replica', server.replica],
    ['Replicas', alive.length === 0 ? '-' : `${alive.length} alive: ${alive.join(', ')}`],
  ];
}

function healthText(health: HealthView): string {
  return health.reason === undefined ? health.status : `${health.status} (${health.reason})`;
}

/**
 * A grant as the table shows it. Editing and deleting LLMs and agents also takes owning the row
 * (docs/rbac.md): said beside the grant, so `edit:llms on qwen3` does not read as a right to
 * change someone else's qwen3.
 */
function grantLine(grant: string): string {
  return /^(edit|delete):(llms|agents)\b/.test(grant) ? `${grant} (rows you own)` : grant;
}
