import { agentEntrySchema, mcplocalConfigSchema, providerEntrySchema, type McplocalConfig } from '@mcpctl/protocol';
import { agentProblems } from './agent-rules.js';
import { providerProblems, type IndexedEntry } from './provider-rules.js';
import { providerTransportProblems } from './provider-transport.js';
import type { WorkstationIdentity } from './published-name.js';
import { schemaProblems } from './schema-problems.js';

/**
 * The parsed contents of config.json checked against the schema and the rules between
 * entries. Every problem is found in one pass: entries that pass the schema are still checked
 * against each other when their neighbours do not, so a user fixes the file in one go.
 */
export function checkConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv,
  identity: WorkstationIdentity,
): { config: McplocalConfig; problems: [] } | { config: undefined; problems: string[] } {
  const parsed = mcplocalConfigSchema.safeParse(raw);
  const problems = parsed.success ? [] : schemaProblems('config.json', parsed.error.issues, mcplocalConfigSchema, raw);
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const providers = validEntries(record.providers, (value) => providerEntrySchema.safeParse(value));
  const agents = validEntries(record.agents, (value) => agentEntrySchema.safeParse(value));
  const suffix = typeof record.publishNameSuffix === 'string' && record.publishNameSuffix !== '' ? record.publishNameSuffix : undefined;
  problems.push(...providerProblems(providers, { publishNameSuffix: suffix }, env, identity), ...agentProblems(agents), ...providerTransportProblems(env));
  if (parsed.success && problems.length === 0) return { config: parsed.data, problems: [] };
  return { config: undefined, problems };
}

function validEntries<T>(
  list: unknown,
  parse: (value: unknown) => { success: true; data: T } | { success: false },
): Array<IndexedEntry<T>> {
  if (!Array.isArray(list)) return [];
  return list.flatMap((value, index) => {
    const parsed = parse(value);
    return parsed.success ? [{ index, entry: parsed.data }] : [];
  });
}
