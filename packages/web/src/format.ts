import { formatMilliseconds } from '@mcpctl/protocol';

/** `12 s ago`, `3 min ago`, `2 h ago` from an ISO time, seen from `now`. */
export function age(iso: string | null | undefined, now: number): string {
  if (!iso) return '–';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** A duration given in ms as the CLI writes it (`870 ms`, `4.9 s`, `2m 05s`); `–` when unmeasured. */
export function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : formatMilliseconds(value);
}

/** An audit record's tokens as `prompt/completion` (`10/6`), as `mcpctl get audit` shows them; `–` for a count the upstream did not give. */
export function tokenPair(prompt: number | null, completion: number | null): string {
  if (prompt === null && completion === null) return '–';
  return `${prompt ?? '–'}/${completion ?? '–'}`;
}

/**
 * A moment in UTC, `2026-05-01 18:04:59`: the usage chart counts requests per UTC hour, so the
 * audit's times and the "as of" of each view say UTC too, and the two agree at a glance.
 */
export function utcDateTime(at: string | number | Date): string {
  return new Date(at).toISOString().slice(0, 19).replace('T', ' ');
}

/** The time of day of a moment in UTC, `18:04:59`. */
export function utcTime(at: string | number | Date): string {
  return new Date(at).toISOString().slice(11, 19);
}
