import type { Command } from 'commander';
import type { LlmView, ProviderSessionView } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import { timeWithAge } from '../../format/relative-age.js';
import { transportName } from '../../format/transport-name.js';
import { listLlms } from '../llm/llm-api.js';
import { getSession } from './session-api.js';

/** `mcpctl describe session REF`: the session, then one line per LLM it publishes with its status. */
export function registerDescribeSession(describe: Command, context: CliContext): void {
  describe
    .command('session')
    .alias('sessions')
    .description("show a publisher's session: its connection and the LLMs it publishes")
    .argument('<ref>', 'the session reference that `get sessions` and `describe llm` show')
    .action(async (ref: string) => {
      const client = await context.api();
      const session = await getSession(client, ref);
      const llms = session.llms.length === 0 ? [] : await listLlms(client);
      context.printer.fields(describeSessionFields(session, llms, new Date(context.now())));
    });
}

/** The `describe` lines of a session; `llms` are the LLM views the caller sees, to show each published one's status. */
export function describeSessionFields(session: ProviderSessionView, llms: readonly LlmView[], now: Date): Array<readonly [string, string]> {
  const byName = new Map(llms.map((llm) => [llm.name, llm]));
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
  return transport === null ? 'yes' : `yes, over ${transport}`;
}
