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
  // A time names its zone (a server's local time is nobody's), and its date is a real one.
  const iso = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/.exec(text.trim());
  const at = iso ? new Date(text.trim()) : new Date(Number.NaN);
  if (iso && !Number.isNaN(at.getTime()) && isCalendarDate(Number(iso[1]), Number(iso[2]), Number(iso[3]))) return { at };
  context.addIssue({ code: 'custom', message: 'give a duration such as 30m, 24h or 7d, or an ISO 8601 time with its zone such as 2026-12-01T00:00:00Z' });
  return z.NEVER;
});
export type TimePoint = z.output<typeof timePointSchema>;

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The time a point names, seen from `now`. */
export function resolveTimePoint(point: TimePoint, now: Date): Date {
  return 'at' in point ? point.at : new Date(now.getTime() - point.agoMs);
}

/**
 * Why `since`..`until` is no window a query takes (empty, reversed, or reaching past what an
 * index scan is for), or undefined: one rule for mcpd and for the CLI's flags.
 */
export function timeWindowProblem(since: Date, until: Date): string | undefined {
  if (since >= until) return `since (${since.toISOString()}) must be before until (${until.toISOString()})`;
  if (until.getTime() - since.getTime() > MAX_LOOKBACK_MS) return 'the window is longer than 366 days; narrow since and until';
  return undefined;
}
