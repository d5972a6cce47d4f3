import type { Figure } from './fault-report.js';

/** `1234.5` as `1.2 s`; undefined (it never happened) as `never`. */
export function seconds(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'never';
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A duration held to an upper bound; one that had not ended when the scenario stopped waiting (`capMs`) misses. */
export function durationFigure(name: string, ms: number | undefined, limitMs: number, options: { capMs?: number; extra?: string } = {}): Figure {
  const waited = options.capMs === undefined ? "not within the scenario's wait" : `still waiting after ${seconds(options.capMs)}`;
  return {
    name,
    measured: `${ms === undefined ? waited : seconds(ms)}${options.extra ? `, ${options.extra}` : ''}`,
    target: `≤ ${seconds(limitMs)}`,
    met: ms !== undefined && ms <= limitMs,
  };
}

/** A caller released after a fault: fast enough and with the expected status. */
export function releaseFigure(name: string, outcome: { ms: number | undefined; status: string }, limitMs: number, wanted: string): Figure {
  return {
    name,
    measured: `${outcome.ms === undefined ? 'still waiting at the cap' : seconds(outcome.ms)}, ${outcome.status}`,
    target: `≤ ${seconds(limitMs)}, ${wanted}`,
    met: outcome.ms !== undefined && outcome.ms <= limitMs && outcome.status === wanted,
  };
}

export function equalFigure(name: string, measured: string, wanted: string): Figure {
  return { name, measured, target: wanted, met: measured === wanted };
}
