import type { UsageHour } from '@mcpctl/protocol';

/** Distinct colours, one per key the chart names; past them the smaller keys share {@link OTHERS_COLOUR}. */
const PALETTE = ['#3b6fd4', '#d4703b', '#3bab6f', '#a43bd4', '#d43b6a', '#2aa8b8', '#b89a2a', '#7a4a2a'];
const OTHERS_COLOUR = '#9a9a9a';
/** How a row whose key is null (requests nobody could be named for) is shown. */
export const UNKNOWN_KEY = '(unknown)';

export interface Series {
  label: string;
  colour: string;
  /** The keys it counts: one, or every key past the palette for the "others" series. */
  keys: ReadonlySet<string>;
}

/**
 * The busiest keys of the window get a colour each, in order of their requests; the rest share
 * one grey series, so no two keys ever share a colour and the legend stays readable.
 */
export function seriesOf(hours: UsageHour[]): Series[] {
  const totals = new Map<string, number>();
  for (const hour of hours) totals.set(hour.key ?? UNKNOWN_KEY, (totals.get(hour.key ?? UNKNOWN_KEY) ?? 0) + hour.requests);
  const keys = [...totals.entries()].sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0])).map(([key]) => key);
  const named = keys.length <= PALETTE.length ? keys : keys.slice(0, PALETTE.length - 1);
  const series: Series[] = named.map((key, index) => ({ label: key, colour: PALETTE[index] ?? OTHERS_COLOUR, keys: new Set([key]) }));
  const rest = keys.slice(named.length);
  if (rest.length > 0) series.push({ label: `${rest.length} others`, colour: OTHERS_COLOUR, keys: new Set(rest) });
  return series;
}

const HOUR_MS = 3_600_000;
/** Hours a label may stand for, so labels fall on round hours: every hour, 2, 3, … a day, 2 days, a week. */
const LABEL_STEPS = [1, 2, 3, 4, 6, 12, 24, 48, 168];

/**
 * Every hour of the window, oldest first, as the ms of its start (UTC): an hour without requests
 * keeps its place on the axis, so a quiet night shows as a gap instead of vanishing.
 */
export function hourSlots(since: string, until: string): number[] {
  const first = Math.floor(Date.parse(since) / HOUR_MS) * HOUR_MS;
  const last = Math.floor((Date.parse(until) - 1) / HOUR_MS) * HOUR_MS;
  if (!Number.isFinite(first) || !Number.isFinite(last)) return [];
  const slots: number[] = [];
  for (let hour = first; hour <= last; hour += HOUR_MS) slots.push(hour);
  return slots;
}

/** How many hours one axis label stands for when a column is `pitch` px wide: labels at least `room` px apart, on round hours. */
export function labelStep(pitch: number, room = 40): number {
  const needed = Math.ceil(room / pitch);
  return LABEL_STEPS.find((step) => step >= needed) ?? LABEL_STEPS.at(-1)!;
}

/** Whether the hour starting at `hour` (ms, UTC) carries a label when labels stand for `step` hours. */
export function labelled(hour: number, step: number): boolean {
  return (hour / HOUR_MS) % step === 0;
}

/** `1 request`, `3 requests`. */
export function requestsText(count: number): string {
  return `${count} ${count === 1 ? 'request' : 'requests'}`;
}
