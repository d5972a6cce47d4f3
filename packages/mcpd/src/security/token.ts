import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_PREFIX = 'mcpctl_';

/** A fresh bearer token: 256 random bits, URL-safe. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Tokens carry 256 bits of randomness, so a fast hash is enough: there is nothing to
 * brute-force, and a slow hash would sit on every request's path. The one-shot `hash` makes no
 * Hash object: a quarter of `createHash`'s time per token.
 */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(left: string, right: string): boolean {
  const a = Buffer.from(left, 'hex');
  const b = Buffer.from(right, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

const ID_BYTES = 16;
/** Ids drawn from one call to the CSPRNG, as Node's own `randomUUID` keeps a batch of them. */
const IDS_PER_DRAW = 128;
let idPool = Buffer.alloc(0);
let idOffset = 0;

/**
 * An unguessable identifier for sessions, tasks and rows: 128 random bits. Every relayed request
 * takes one, so the random bytes are drawn from the CSPRNG for many ids at a time.
 */
export function generateId(prefix = ''): string {
  return prefix + randomText(ID_BYTES);
}

/** Random bytes of the pool as base64url (4 characters for every 3 bytes). */
function randomText(bytes: number): string {
  if (idOffset + bytes > idPool.length) {
    idPool = randomBytes(ID_BYTES * IDS_PER_DRAW);
    idOffset = 0;
  }
  const text = idPool.toString('base64url', idOffset, idOffset + bytes);
  idOffset += bytes;
  return text;
}

/** Random bytes after a request id's time: 72 bits, so two ids of one millisecond never meet. */
const REQUEST_ID_RANDOM_BYTES = 9;
/** Characters of a request id's time: milliseconds since 1970 in base 32 fill 10 until the year 36812. */
const REQUEST_ID_TIME_CHARS = 10;

/**
 * A request's id: `req_`, the time in milliseconds (base 32, digits and lowercase letters, which
 * every collation orders alike), then 72 random bits; 22 characters after the prefix, as
 * `generateId`'s. Ids of later requests sort after earlier ones, so each audit row's id goes in at
 * the end of the request-id index instead of at a random place in it, which on the embedded
 * database costs 1 to 6 µs more per row (docs/decisions.md, "Request ids in time order").
 */
export function generateRequestId(nowMs: number): string {
  return `req_${Math.max(0, Math.trunc(nowMs)).toString(32).padStart(REQUEST_ID_TIME_CHARS, '0').slice(-REQUEST_ID_TIME_CHARS)}${randomText(REQUEST_ID_RANDOM_BYTES)}`;
}
