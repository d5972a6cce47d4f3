import { z } from 'zod';
import { resourceNameSchema } from './names.js';

const LIFETIME_UNITS_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_LIFETIME_MS = 3650 * LIFETIME_UNITS_MS.d;

/**
 * How long a new token lives: a whole number and a unit, `90m`, `12h`, `30d` (`s` too).
 * mcpd turns it into an expiry with its own clock, so a client's clock does not matter.
 */
const LIFETIME_PATTERN = /^[0-9]{1,7}[smhd]$/;

export const tokenLifetimeSchema = z
  .string()
  .regex(LIFETIME_PATTERN, 'a lifetime is a whole number and a unit: 90m, 12h, 30d (s, m, h or d)')
  // Only a well-formed lifetime is measured: a malformed one gets the one message above.
  .refine((lifetime) => !LIFETIME_PATTERN.test(lifetime) || tokenLifetimeMs(lifetime) > 0, 'a token lives at least 1s; leave the lifetime out for a token that never expires')
  .refine((lifetime) => !LIFETIME_PATTERN.test(lifetime) || tokenLifetimeMs(lifetime) <= MAX_LIFETIME_MS, 'a token lives at most 3650d');

/** Milliseconds of a lifetime that `tokenLifetimeSchema` accepted. */
export function tokenLifetimeMs(lifetime: string): number {
  const unit = lifetime.slice(-1) as keyof typeof LIFETIME_UNITS_MS;
  return Number(lifetime.slice(0, -1)) * LIFETIME_UNITS_MS[unit];
}

/** Body of `POST /api/v1/tokens`. Without `user` the token is the caller's; without `expiresIn` it never expires. */
export const tokenCreateSchema = z.strictObject({
  name: resourceNameSchema.optional(),
  user: resourceNameSchema.optional(),
  expiresIn: tokenLifetimeSchema.optional(),
});
export type TokenCreate = z.infer<typeof tokenCreateSchema>;

/** The answer to `POST /api/v1/tokens`: the only time the token itself is shown. */
export const tokenCreatedSchema = z.object({
  id: z.string(),
  name: z.string(),
  user: z.string(),
  token: z.string(),
  expiresAt: z.string().nullable(),
});
export type TokenCreated = z.infer<typeof tokenCreatedSchema>;

/** A token as listed: never the token or its hash. */
export const tokenViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  user: z.string(),
  userId: z.string(),
  expiresAt: z.string().nullable(),
  expired: z.boolean(),
  createdAt: z.string(),
});
export type TokenView = z.infer<typeof tokenViewSchema>;
