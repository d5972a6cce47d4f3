import type { NewAuditRecordRow } from '@mcpctl/db';

/** Longest name (of an LLM, a user, a member) an audit row keeps; longer ones are cut. */
export const AUDIT_NAME_LIMIT = 256;
/** Longest error text an audit row keeps. */
export const AUDIT_ERROR_LIMIT = 2000;
const AUDIT_ENDPOINT_LIMIT = 64;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Makes a record storable whatever the caller sent: texts are cut to a bound (a 60 KB model
 * name does not fit the name index, and an audit line is no place for a caller's megabytes),
 * NUL characters (which PostgreSQL text cannot hold) are dropped, and lone UTF-16 surrogates
 * (which its JSON cannot hold) become U+FFFD.
 */
export function boundAuditRecord(record: NewAuditRecordRow): NewAuditRecordRow {
  return {
    ...record,
    userName: boundText(record.userName, AUDIT_NAME_LIMIT),
    llmName: boundText(record.llmName, AUDIT_NAME_LIMIT) ?? '',
    servedBy: boundText(record.servedBy, AUDIT_NAME_LIMIT),
    agentName: boundText(record.agentName, AUDIT_NAME_LIMIT),
    endpoint: boundText(record.endpoint, AUDIT_ENDPOINT_LIMIT) ?? '',
    error: boundText(record.error, AUDIT_ERROR_LIMIT),
    promptTokens: tokenCount(record.promptTokens),
    completionTokens: tokenCount(record.completionTokens),
  };
}

/** PostgreSQL's `integer`, the token columns' type. */
const MOST_TOKENS = 2 ** 31 - 1;

/**
 * A count of tokens as a model server or a publisher reported it, when it is one: a whole number
 * from 0 that the column holds. Anything else (a fraction, text, a negative or a number past the
 * column) is a count nobody can trust, and would cost the whole record its place: it is left out.
 */
function tokenCount(count: unknown): number | null {
  return typeof count === 'number' && Number.isInteger(count) && count >= 0 && count <= MOST_TOKENS ? count : null;
}

function boundText<T extends string | null | undefined>(text: T, limit: number): T {
  if (typeof text !== 'string') return text;
  let clean = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  if (clean.length > limit) clean = `${clean.slice(0, limit - 1)}…`;
  return clean.replace(LONE_SURROGATE, '\uFFFD') as T;
}
