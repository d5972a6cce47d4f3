import { eq, inArray, type Column, type SQL } from 'drizzle-orm';

/** One session id or several, as the statements that take either read them. */
export type SessionIds = string | readonly string[];

/** Whether there is nothing to touch: an empty batch of session ids. */
export function noSessions(ids: SessionIds): boolean {
  return typeof ids !== 'string' && ids.length === 0;
}

/** A row condition: `column` names one of the sessions (a single id compares with `=`, a batch with `= any`). */
export function ofSessions(column: Column, ids: SessionIds): SQL {
  return typeof ids === 'string' ? eq(column, ids) : inArray(column, [...ids]);
}
