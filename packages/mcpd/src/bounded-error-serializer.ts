import pino from 'pino';

/** Longest line of a logged error; matches the 200 characters of input an error message may repeat. */
const MAX_LINE_CHARACTERS = 200;
const MAX_NESTING = 6;

/**
 * pino's error serializer, with every line of every string in the result cut to 200
 * characters: an error can carry a caller's input (a database error lists its query's
 * parameters, a driver error quotes the value), and a 3 MB name must not become a 3 MB log line.
 */
export function serializeBoundedError(error: unknown): unknown {
  const serialized = error instanceof Error ? pino.stdSerializers.err(error) : error;
  return bound(serialized, 0);
}

/**
 * A failed query's parameters are what users sent (a thread's messages, a name), not what an
 * operator needs to see the failure: the query stays, its values are left out of the log.
 */
const QUERY_PARAMS = /\nparams: [^\n]*/g;
const PARAMS_LEFT_OUT = '\nparams: (not logged: they hold what users sent)';

function bound(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return boundLines(value.replace(QUERY_PARAMS, PARAMS_LEFT_OUT));
  if (depth >= MAX_NESTING || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((entry) => bound(entry, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => (key === 'params' && Array.isArray(entry) ? [key, `(${entry.length} not logged)`] : [key, bound(entry, depth + 1)])));
}

function boundLines(text: string): string {
  if (text.length <= MAX_LINE_CHARACTERS) return text;
  return text
    .split('\n')
    .map((line) => (line.length > MAX_LINE_CHARACTERS ? `${line.slice(0, MAX_LINE_CHARACTERS)}… (${line.length - MAX_LINE_CHARACTERS} more characters)` : line))
    .join('\n');
}
