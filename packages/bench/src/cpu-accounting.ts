/*
 * CPU figures from process CPU times read before and after a measurement: what a streamed chunk
 * costs the gateway, and how much of a core a process kept busy.
 */

/** Microseconds of CPU per chunk: `cpuSeconds` spread over `chunks`; undefined without a CPU figure or without chunks. */
export function microsecondsPerChunk(cpuSeconds: number | undefined, chunks: number): number | undefined {
  if (cpuSeconds === undefined || !(chunks > 0)) return undefined;
  return (cpuSeconds * 1e6) / chunks;
}

/** The share of one core that `cpuSeconds` used over `wallSeconds`, in %: 100 is one core kept busy. */
export function percentOfCore(cpuSeconds: number | undefined, wallSeconds: number): number | undefined {
  if (cpuSeconds === undefined || !(wallSeconds > 0)) return undefined;
  return (cpuSeconds / wallSeconds) * 100;
}

/** CPU seconds spent between two readings of the same process; undefined when either reading failed. */
export function cpuBetween(before: number | undefined, after: number | undefined): number | undefined {
  return before === undefined || after === undefined ? undefined : after - before;
}

/** The sum of several processes' CPU seconds; undefined when any of them is. */
export function sumCpu(values: readonly (number | undefined)[]): number | undefined {
  let total = 0;
  for (const value of values) {
    if (value === undefined) return undefined;
    total += value;
  }
  return total;
}
