import { resourceNameSchema, urlCredentialsProblem, urlHoldsCredentials, type McplocalConfig, type ProviderEntry } from '@mcpctl/protocol';
import { managedProblems, sharedPortProblems } from './managed-rules.js';
import { publishedName, type WorkstationIdentity } from './published-name.js';
import { wakeProblems } from './wake-rules.js';

/** An entry that passed the schema, with its place in the file for messages. */
export interface IndexedEntry<T> {
  index: number;
  entry: T;
}

/**
 * The rules between fields and entries the schema cannot express: unique names and published
 * names, one way to give a key and a key that is really there, published names that are valid,
 * failover targets that are central LLMs with one stand-in each, an Ollama URL that points
 * at its native API, and managed servers and wake commands that can be run (`managed-rules.ts`,
 * `wake-rules.ts`).
 */
export function providerProblems(
  providers: ReadonlyArray<IndexedEntry<ProviderEntry>>,
  config: Pick<McplocalConfig, 'publishNameSuffix'>,
  env: NodeJS.ProcessEnv,
  identity: WorkstationIdentity,
): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  const published = new Map<string, number>();
  const failovers = new Map<string, number>();
  for (const { index, entry } of providers) {
    const at = `config.json: providers[${index}]`;
    problems.push(...managedProblems(entry, at, env));
    problems.push(...wakeProblems(entry, at, env));
    // The URL of Ollama's OpenAI-compatible API, given to the native provider, would 404 on every call.
    if (entry.type === 'ollama' && /\/v1\/?$/.test(new URL(entry.url).pathname)) {
      problems.push(`${at}.url: type "ollama" speaks Ollama's native API at the server root; drop "/v1", or use type "openai" for Ollama's OpenAI-compatible API`);
    }
    const sameName = names.get(entry.name);
    if (sameName !== undefined) problems.push(`${at}.name: "${entry.name}" is also the name of providers[${sameName}]`);
    else names.set(entry.name, index);
    problems.push(...keyProblems(entry, at, env));
    problems.push(...urlCredentialProblems(entry, at));
    if (entry.publish) {
      const name = publishedName(entry, config, identity);
      const valid = resourceNameSchema.safeParse(name);
      if (!valid.success) {
        problems.push(`${at}: publishes as "${name}", which is not a valid name (${valid.error.issues[0]?.message ?? 'invalid'}); ${invalidNameRemedy(entry, config)}`);
      }
      const samePublished = published.get(name);
      if (samePublished !== undefined) {
        problems.push(`${at}: publishes as "${name}", as providers[${samePublished}] does; set publishName on one of them`);
      } else published.set(name, index);
    }
    if (entry.failoverFor !== undefined) {
      const sameTarget = failovers.get(entry.failoverFor);
      if (sameTarget !== undefined) {
        problems.push(`${at}.failoverFor: providers[${sameTarget}] already stands in for "${entry.failoverFor}"; a central LLM takes one local stand-in`);
      } else failovers.set(entry.failoverFor, index);
    }
  }
  for (const [target, index] of failovers) {
    const publisher = published.get(target);
    if (publisher !== undefined) {
      problems.push(`config.json: providers[${index}].failoverFor: "${target}" is published by providers[${publisher}] of this file; failover stands in for a central LLM`);
    }
  }
  problems.push(...sharedPortProblems(providers));
  return problems;
}

/** A provider's URL credentials as the rules take them (`urlCredentialsProblem`); a managed server runs here, with no proxy asking. */
function urlCredentialProblems(entry: ProviderEntry, at: string): string[] {
  if (!urlHoldsCredentials(entry.url)) return [];
  if (entry.type === 'managed') return [`${at}.url: a managed server runs on this machine and asks for no user name or password; drop the user:pass@`];
  const problem = urlCredentialsProblem(entry.url, entry.type, entry.apiKey !== undefined || entry.apiKeyEnv !== undefined);
  if (problem === 'user-colon') return [`${at}.url: the user name holds a ':' (%3A), which Basic authorization cannot carry; a ':' may stand in the password only`];
  if (problem === 'key-and-url') {
    return [`${at}: set apiKey/apiKeyEnv or the URL's user:pass@, not both: an ${entry.type === 'openai' ? 'OpenAI' : 'Ollama'} server gets either as its Authorization header`];
  }
  return [];
}

function keyProblems(entry: ProviderEntry, at: string, env: NodeJS.ProcessEnv): string[] {
  if (entry.apiKeyEnv === undefined) return [];
  if (entry.apiKey !== undefined) return [`${at}: set apiKey or apiKeyEnv, not both`];
  const value = env[entry.apiKeyEnv];
  return value === undefined || value === '' ? [`${at}.apiKeyEnv: environment variable ${entry.apiKeyEnv} is not set`] : [];
}

/** What makes a published name: its own `publishName`, a `publishNameSuffix` used as written, or the provider's name. */
function invalidNameRemedy(entry: Pick<ProviderEntry, 'publishName'>, config: { publishNameSuffix?: string | undefined }): string {
  if (entry.publishName !== undefined) return 'change its publishName';
  const suffix = config.publishNameSuffix;
  // A suffix that is a valid name part is not the trouble: the name is then only too long.
  if (suffix !== undefined && suffix !== 'hostname' && suffix !== 'user' && !resourceNameSchema.safeParse(suffix).success) {
    return `publishNameSuffix "${suffix}" is used as written: make it lower-case letters, digits and inner hyphens, or "user" or "hostname"; or set publishName`;
  }
  return 'set publishName';
}
