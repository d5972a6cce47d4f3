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
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * IDS_PER_DRAW);
    idOffset = 0;
  }
  const id = idPool.toString('base64url', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return prefix + id;
}
