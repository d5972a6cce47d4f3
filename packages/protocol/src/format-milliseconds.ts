/**
 * A duration as mcpctl and the dashboard write it: `850 ms` below a second, `1.2 s` up to a
 * minute, `2m 05s` past it.
 */
export function formatMilliseconds(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1000).toFixed(1)} s`;
  const totalSeconds = Math.floor(milliseconds / 1000);
  return `${Math.floor(totalSeconds / 60)}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
}

/** {@link formatMilliseconds}, or null (a table's `-`) for a duration nobody measured. */
export function formatMaybeMilliseconds(milliseconds: number | null): string | null {
  return milliseconds === null ? null : formatMilliseconds(milliseconds);
}
