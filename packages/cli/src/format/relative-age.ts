/** `3m ago`, `2h ago`, `in 5s`: how far `time` is from `now`, in the largest whole unit. */
export function relativeAge(time: Date, now: Date): string {
  const deltaSeconds = Math.round((now.getTime() - time.getTime()) / 1000);
  const magnitude = Math.abs(deltaSeconds);
  if (magnitude < 1) return 'just now';
  const amount = compactDuration(magnitude);
  return deltaSeconds >= 0 ? `${amount} ago` : `in ${amount}`;
}

/** `45s`, `3m`, `5h`, `2d`: a whole number of the largest unit that fits. */
export function compactDuration(seconds: number): string {
  const units: ReadonlyArray<readonly [string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ];
  for (const [unit, size] of units) {
    if (seconds >= size) return `${Math.floor(seconds / size)}${unit}`;
  }
  return `${Math.floor(seconds)}s`;
}

/** An ISO time followed by its age, as `describe` prints times; `-` when absent. */
export function timeWithAge(iso: string | null, now: Date): string {
  if (iso === null) return '-';
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString()} (${relativeAge(time, now)})`;
}
