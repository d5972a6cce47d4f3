import type { Command } from 'commander';
import { transportName, type LlmView, type ProviderSessionView } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import { timeWithAge } from '../../format/relative-age.js';
import { listLlms } from '../llm/llm-api.js';
import { listSessions, sessionOf } from './session-api.js';

/** `mcpctl describe session REF`: the session, then one line per LLM it publishes with its status. */
export function registerDescribeSession(describe: Command, context: CliContext): void {
  describe
    .command('session')
    .alias('sessions')
    .description("show a publisher's session: its connection and the LLMs it publishes")
    .argument('<ref>', 'the session reference that `get sessions` and `describe llm` show')
    .action(async (ref: string) => {
      const client = await context.api();
      const session = sessionOf(await listSessions(client), ref);
      const llms = session.llms.length === 0 ? [] : await listLlms(client);
      context.printer.fields(describeSessionFields(session, llms, new Date(context.now())));
    });
}

/** The `describe` lines of a session; `llms` are the LLM views the caller sees, to show each published one's status. */
export function describeSessionFields(session: ProviderSessionView, llms: readonly LlmView[], now: Date): Array<readonly [string, string]> {
  // Names are unique among rows; the session reference is checked too, as a row may have moved to another session since.
  const byName = new Map(llms.filter((llm) => llm.providerSession === null || llm.providerSession.ref === session.ref).map((llm) => [llm.name, llm]));
  return [
    ['Session', session.ref],
    ['User', session.owner],
    ['Connected', connection(session)],
    ['Connected at', timeWithAge(session.connectedAt, now)],
    ['Last seen', timeWithAge(session.lastHeartbeatAt, now)],
    ['Created', timeWithAge(session.createdAt, now)],
    ['LLMs', session.llms.length === 0 ? 'none' : String(session.llms.length)],
    ...session.llms.map((name) => {
      const llm = byName.get(name);
      return [`  ${name}`, llm === undefined ? 'not visible to you' : `${llm.status} · ${llm.model} · ${llm.visibility}`] as const;
    }),
  ];
}

function connection(session: ProviderSessionView): string {
  if (!session.connected) return 'no';
  const transport = transportName(session.transport);
  const how = transport === null ? 'yes' : `yes, over ${transport}`;
  return session.replica ? `${how}, to replica ${session.replica}` : how;
}
