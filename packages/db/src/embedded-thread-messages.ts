/**
 * The messages between mcpd's thread and the embedded database's own thread. Both ends are this
 * package's code, built together, so the shapes are types, not schemas: nothing else speaks it.
 */

/** What the thread is started with. */
export interface EmbeddedThreadStart {
  /** PGlite data directory; absent keeps the database in memory. */
  dataDir: string | undefined;
}

/** One statement, in a transaction when `tx` names one. */
export interface QueryRequest {
  op: 'query';
  id: number;
  tx?: number | undefined;
  sql: string;
  params: unknown[];
  rowMode: 'array' | 'object';
  /** Type OIDs the caller parses itself: their values come back as the server's text. */
  rawTypes: number[];
}

/** Opens a transaction; its id is this request's id. Answered once it holds the database. */
export interface BeginRequest {
  op: 'begin';
  id: number;
}

/** Commits or rolls back the transaction `tx`. Answered once it has. */
export interface EndRequest {
  op: 'end';
  id: number;
  tx: number;
  commit: boolean;
}

/** Rows for a COPY, already CSV: one string crosses the threads, not a structure per row. */
export interface CopyRequest {
  op: 'copy';
  id: number;
  table: string;
  columns: readonly string[];
  csv: string;
}

export interface CloseRequest {
  op: 'close';
  id: number;
}

export type EmbeddedRequest = QueryRequest | BeginRequest | EndRequest | CopyRequest | CloseRequest;

/** A query's result, as PGlite gives it. */
export interface QueryAnswer {
  rows: unknown[];
  fields: Array<{ name: string; dataTypeID: number }>;
  affectedRows?: number | undefined;
}

/**
 * The database's own words: PostgreSQL's fields (`code` is the SQLSTATE callers test for) travel
 * as plain properties, since a thread boundary keeps only an error's message.
 */
export interface CarriedError {
  name: string;
  message: string;
  fields: Record<string, string | number>;
}

/**
 * The answer to request `id`; id 0 answers the start (the database is open, or could not be),
 * and `FATAL_ANSWER_ID` says the database failed for good, just before its thread ends.
 */
export type EmbeddedAnswer = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: CarriedError };

export const FATAL_ANSWER_ID = -1;

export function carryError(error: unknown): CarriedError {
  if (!(error instanceof Error)) {
    // Emscripten's ExitStatus, say: an object with a name, a message and a status, but no Error.
    const { name, message, status } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown; status?: unknown };
    return {
      name: typeof name === 'string' ? name : 'Error',
      message: typeof message === 'string' ? message : String(error),
      fields: typeof status === 'number' ? { status } : {},
    };
  }
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

/** The error again, an `Error` of the receiving thread with the carried fields as its own properties. */
export function restoreError(carried: CarriedError): Error {
  const error = new Error(carried.message);
  error.name = carried.name;
  Object.assign(error, carried.fields);
  return error;
}
