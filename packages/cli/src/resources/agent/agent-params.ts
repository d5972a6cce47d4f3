import { InvalidArgumentError } from 'commander';
import { agentParamsProblem, chatFieldsMessage, misspeltChatParameters } from '@mcpctl/protocol';
import { UsageError } from '../../errors.js';

/**
 * One `--param key=value` added to those before it. The value is read as JSON when it
 * parses (`temperature=0.2` is a number, `stop=["x"]` an array, `seed=null` null), else
 * it is the text as written (`reasoning_effort=high`). A later value of a key wins.
 */
export function parseParam(text: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const separator = text.indexOf('=');
  const key = separator < 0 ? '' : text.slice(0, separator).trim();
  if (key === '') throw new InvalidArgumentError('expected key=value, e.g. temperature=0.2');
  return { ...previous, [key]: parseParamValue(text.slice(separator + 1)) };
}

function parseParamValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * `stop=["x"],temperature=0.2`: parameters as one table cell, in the syntax `--param` reads,
 * sorted by key (mcpd's storage does not keep the order they were given in).
 */
export function formatParams(params: Record<string, unknown>): string {
  return sortedEntries(params)
    .map(([key, value]) => `${key}=${typeof value === 'string' && !looksLikeJson(value) ? value : JSON.stringify(value)}`)
    .join(',');
}

export function sortedEntries(values: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(values).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
}

/** A string that `--param` would read back as something else (`"0.2"`, `"true"`) is shown quoted. */
function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Default parameters mcpd would refuse (`agentParamsProblem`), refused before anything is sent. */
export function assertAgentParams(where: string, params: Record<string, unknown> | null | undefined): void {
  const problem = params == null ? undefined : agentParamsProblem(params);
  if (problem?.kind === 'chat-fields') throw new UsageError(`${where}: defaultParams ${chatFieldsMessage(problem.fields)}`);
  if (problem?.kind === 'invalid') {
    const issues = problem.error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`);
    throw new UsageError(`${where}: defaultParams: ${issues.join('; ')}`);
  }
}

/**
 * Warns of default parameters whose name is a letter or two from a known one (`tempreature`):
 * mcpd takes any name, since model servers have parameters of their own, and sends it with
 * every chat, where the server ignores or refuses it.
 */
export function warnMisspeltParams(where: string, params: Record<string, unknown> | null | undefined, warn: (text: string) => void): void {
  for (const { name, meant } of params == null ? [] : misspeltChatParameters(params)) {
    warn(`warning: ${where}: defaultParams.${name} is no parameter mcpctl knows; did you mean ${meant}? It is sent to the model server as written`);
  }
}
