/** Socket errors of a connection to PostgreSQL that could not be made or was lost. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATEs of a server that is going away or not taking connections yet. Class 08 is all
 * connection exceptions, 08P01 included: PgBouncer sends it for a server it cannot reach.
 */
const SHUTDOWN_STATES = new Set(['57P01', '57P02', '57P03']);
/** node-postgres's pool, every connection of it busy past the connect timeout: the wait for a free one ended. */
const POOL_WAIT_MESSAGE = /^timeout exceeded when trying to connect/;
/** What node-postgres throws, without a code, for a connection that broke or a pool that could not get one. */
const DRIVER_MESSAGES = [/^Connection terminated/, POOL_WAIT_MESSAGE, /^Client has encountered a connection error/];

/** A transaction that could not start: the pool found no connection to the database. */
export class DatabaseUnreachableError extends Error {
  constructor(cause: unknown) {
    super('no connection to the database', { cause });
    this.name = 'DatabaseUnreachableError';
  }
}

/** Whether `error` itself is a socket error (a pool's connect throws one bare). */
export function isSocketError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SOCKET_CODES.has(code);
}

/**
 * Whether `error` says the database could not be reached, rather than that a statement failed:
 * the one is an outage to wait out, the other a fault. A socket error counts only inside a
 * query's error (drizzle's `Failed query`) or a transaction's ({@link DatabaseUnreachableError}),
 * so a model server's refused connection is never taken for the database's.
 */
export function isConnectionFailure(error: unknown): boolean {
  let underQuery = false;
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 8; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (current instanceof DatabaseUnreachableError) return true;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (SHUTDOWN_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message))) return true;
    if (underQuery && isSocketError(current)) return true;
    if (typeof message === 'string' && message.startsWith('Failed query:')) underQuery = true;
  }
  return false;
}

/**
 * Whether `error` is the pool's wait for a free connection running out: every connection stayed
 * busy (long statements, or a database that stopped answering the ones sent). A connection
 * failure still, for what waits on the database to be tried again, but not one to call it away.
 */
export function isPoolExhausted(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 8; current = (current as { cause?: unknown }).cause, depth += 1) {
    const { message } = current as { message?: unknown };
    if (typeof message === 'string' && POOL_WAIT_MESSAGE.test(message)) return true;
  }
  return false;
}

/**
 * What a failure of the database says, for a log line: its message and its causes', once each,
 * without drizzle's `Failed query`, which repeats the statement and its parameters (a caller's
 * data among them).
 */
export function describeDatabaseFailure(error: unknown): string {
  const parts: string[] = [];
  const pending: unknown[] = [error];
  for (let seen = 0; pending.length > 0 && seen < 8 && parts.length < 4; seen += 1) {
    const current = pending.shift();
    if (!(current instanceof Error)) continue;
    // An AggregateError (a host of several addresses, each refused) says nothing itself: its errors do.
    const said = current.message || (current as { code?: unknown }).code;
    if (typeof said === 'string' && said !== '' && !said.startsWith('Failed query:') && !parts.includes(said)) parts.push(said);
    if (current instanceof AggregateError) pending.push(...(current.errors as unknown[]).slice(0, 2));
    pending.push(current.cause);
  }
  return parts.join(': ') || 'the database failed, and said nothing more';
}
