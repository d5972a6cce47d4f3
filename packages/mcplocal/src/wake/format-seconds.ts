/** `1500` → `1.5 s`: how wait times read in log lines and wake failures. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
