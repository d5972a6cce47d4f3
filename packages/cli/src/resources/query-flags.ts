import { resolveTimePoint, timeWindowProblem, type TimePoint } from '@mcpctl/protocol';
import { UsageError } from '../errors.js';
import type { Schema } from '../schema-check.js';

/**
 * Checks a `get` command's flags with the rules of the API query they become (`auditQuerySchema`,
 * `usageQuerySchema`, whose messages say what each takes) before any request: a bad value is a
 * usage error naming the flag, e.g. `--limit 5000: limit is a whole number from 1 to 1000`.
 * Answers the query as the API will read it.
 */
export function checkQueryFlags<T>(schema: Schema<T>, options: Readonly<Record<string, unknown>>): T {
  const query = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const checked = schema.safeParse(query);
  if (checked.success) return checked.data;
  const problems = new Map<string, string>();
  for (const issue of checked.error.issues) {
    const flag = String(issue.path[0]);
    if (!problems.has(flag)) problems.set(flag, `--${flag} ${String(query[flag])}: ${issue.message}`);
  }
  throw new UsageError([...problems.values()].join('; '));
}

/** `--since` and `--until` as mcpd will read them (from now): a window it would refuse is a usage error. */
export function checkWindowFlags(since: TimePoint, until: TimePoint | undefined, now = new Date()): void {
  const problem = timeWindowProblem(resolveTimePoint(since, now), until === undefined ? now : resolveTimePoint(until, now));
  if (problem !== undefined) throw new UsageError(`--since and --until: ${problem}`);
}
