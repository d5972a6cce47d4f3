import { z } from 'zod';

/** The longest window a usage or audit query may reach back. */
export const MAX_LOOKBACK_MS = 366 * 24 * 3600_000;

const UNIT_MS = { m: 60_000, h: 3600_000, d: 24 * 3600_000 } as const;

/**
 * A point in time as a query gives it: `30m`, `24h`, `7d` (that long before now) or an ISO 8601
 * time. Parsed to `{ agoMs }` or `{ at }`; the service resolves it with its own clock.
 */
export const timePointSchema = z.string().transform((text, context): { agoMs: number } | { at: Date } => {
  const relative = /^(\d{1,6})([mhd])$/.exec(text.trim());
  if (relative) {
    const agoMs = Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
    if (agoMs <= MAX_LOOKBACK_MS) return { agoMs };
    context.addIssue({ code: 'custom', message: 'reaches back more than 366 days' });
    return z.NEVER;
  }
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (!Number.isNaN(at.getTime())) return { at };
  context.addIssue({ code: 'custom', message: 'give a duration such as 30m, 24h or 7d, or an ISO 8601 time such as 2026-12-01T00:00:00Z' });
  return z.NEVER;
});
export type TimePoint = z.output<typeof timePointSchema>;

/** The time a point names, seen from `now`. */
export function resolveTimePoint(point: TimePoint, now: Date): Date {
  return 'at' in point ? point.at : new Date(now.getTime() - point.agoMs);
}
