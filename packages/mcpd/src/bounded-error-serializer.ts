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
  const serialized = error instanceof Error ? pino.stdSerializers.err(withoutQueryParams(error)) : error;
  return bound(serialized, 0);
}

/**
 * A failed query (Drizzle's error: `query`, `params`, and a message that lists the params) without
 * its parameters: they are what users sent (a thread's messages, a name, over many lines), not
 * what an operator needs to see the failure. The query, the database's own error (the cause) and
 * the stack's frames stay.
 */
function withoutQueryParams(error: Error): Error {
  const { query, params } = error as Error & { query?: unknown; params?: unknown };
  if (typeof query !== 'string' || !Array.isArray(params)) return error;
  const message = `Failed query: ${query}\nparams: (${params.length} not logged: they hold what users sent)`;
  const copy = new Error(message, { cause: error.cause });
  copy.name = error.name;
  const frames = error.stack?.indexOf('\n    at ') ?? -1;
  copy.stack = `${error.name}: ${message}${frames >= 0 ? error.stack!.slice(frames) : ''}`;
  return Object.assign(copy, { query });
}

function bound(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return boundLines(value);
  if (depth >= MAX_NESTING || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((entry) => bound(entry, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, bound(entry, depth + 1)]));
}

function boundLines(text: string): string {
  if (text.length <= MAX_LINE_CHARACTERS) return text;
  return text
    .split('\n')
    .map((line) => (line.length > MAX_LINE_CHARACTERS ? `${line.slice(0, MAX_LINE_CHARACTERS)}… (${line.length - MAX_LINE_CHARACTERS} more characters)` : line))
    .join('\n');
}
