import type { Command } from 'commander';
import { transportName, type LlmView } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import { timeWithAge } from '../../format/relative-age.js';
import { ABSENT } from '../../printer.js';
import { getLlm, listLlms } from './llm-api.js';

/** `mcpctl describe llm NAME` */
export function registerDescribeLlm(describe: Command, context: CliContext): void {
  describe
    .command('llm')
    .alias('llms')
    .description('show every detail of an LLM, its lifecycle times and its pool')
    .argument('<name>', 'LLM name or id')
    .action(async (name: string) => {
      const client = await context.api();
      const llm = await getLlm(client, name, 'describe');
      const poolMembers = llm.poolName === null ? undefined : (await listLlms(client)).filter((member) => member.poolName === llm.poolName);
      context.printer.fields(describeLlmFields(llm, poolMembers, new Date(context.now())));
    });
}

/** The `describe` lines of an LLM; `poolMembers` are the visible LLMs sharing its pool. */
export function describeLlmFields(
  llm: LlmView,
  poolMembers: LlmView[] | undefined,
  now: Date,
): Array<readonly [string, string]> {
  return [
    ['Name', llm.name],
    ['ID', llm.id],
    ['Kind', llm.kind === 'virtual' ? 'virtual (published by mcplocal)' : 'public'],
    ['Type', llm.type],
    ['Model', llm.model],
    ['URL', llm.url ?? ABSENT],
    ['Tier', llm.tier],
    ['Pool', describePool(llm, poolMembers)],
    ['Visibility', llm.visibility],
    ['Owner', llm.owner ?? llm.ownerId ?? ABSENT],
    ['Status', llm.status],
    ['API key', llm.hasApiKey ? 'set' : 'not set'],
    ['Max concurrent', llm.maxConcurrent === null ? 'unlimited' : String(llm.maxConcurrent)],
    ['Requests', describeRequests(llm)],
    ['Description', llm.description ?? ABSENT],
    ['Session', llm.providerSession ? `${llm.providerSession.ref} (${llm.providerSession.connected ? 'connected' : 'not connected'})` : ABSENT],
    ['Transport', describeTransport(llm)],
    ['Last heartbeat', timeWithAge(llm.lastHeartbeatAt, now)],
    ['Inactive since', timeWithAge(llm.inactiveSince, now)],
    ['Wake recipe', llm.wakeRecipe ?? ABSENT],
    ['Last wake', lastWake(llm, now)],
    ['Created', timeWithAge(llm.createdAt, now)],
    ['Updated', timeWithAge(llm.updatedAt, now)],
  ];
}

/** What it is answering and what waits for it by its own name; an older mcpd does not say. */
function describeRequests(llm: LlmView): string {
  if (llm.inFlight === undefined || llm.queued === undefined) return ABSENT;
  return `${llm.inFlight} in flight, ${llm.queued} queued`;
}

/** How the publisher's open control connection travels; an older mcpd does not say. */
function describeTransport(llm: LlmView): string {
  return transportName(llm.providerSession?.transport) ?? ABSENT;
}

function lastWake(llm: LlmView, now: Date): string {
  if (llm.lastWakeAt === null) return ABSENT;
  const took = llm.lastWakeMs === null ? '' : ` (took ${(llm.lastWakeMs / 1000).toFixed(1)} s)`;
  return `${timeWithAge(llm.lastWakeAt, now)}${took}`;
}

function describePool(llm: LlmView, members: LlmView[] | undefined): string {
  if (llm.poolName === null) return ABSENT;
  if (members === undefined || members.length === 0) return llm.poolName;
  const healthy = members.filter((member) => member.status === 'active').length;
  const list = members.map((member) => `${member.name} (${member.status})`).join(', ');
  return `${llm.poolName} (${healthy}/${members.length} active: ${list})`;
}
