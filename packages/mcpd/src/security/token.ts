import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_PREFIX = 'mcpctl_';

/** A fresh bearer token: 256 random bits, URL-safe. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Tokens carry 256 bits of randomness, so a fast hash is enough: there is nothing to
 * brute-force, and a slow hash would sit on every request's path.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(left: string, right: string): boolean {
  const a = Buffer.from(left, 'hex');
  const b = Buffer.from(right, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An unguessable identifier for sessions, tasks and rows. */
export function generateId(prefix = ''): string {
  return prefix + randomBytes(16).toString('base64url');
}
