import { Agent } from 'node:http';
import type { BenchPath } from './bench-path.js';
import { BenchError } from './errors.js';
import { summarize, type LatencySummary } from './latency-summary.js';
import { prepareRequest, timeRequest, type PreparedRequest, type Timing } from './timed-request.js';

export interface ProbeFigures {
  /** Whole-response latency of the good answers. */
  totalMs: LatencySummary;
  /** Time to first token of the good answers; streams only. */
  firstTokenMs: LatencySummary | undefined;
  /** Non-2xx answers, failed requests and streams that carried no text. */
  failures: number;
}

export interface AddedLatency {
  p50: number;
  p99: number;
}

export interface ProbeComparison {
  pairs: number;
  baseline: ProbeFigures;
  path: ProbeFigures;
  /** Path percentile minus baseline percentile. */
  addedMs: AddedLatency;
  /** Median of the per-pair differences; close to `addedMs.p50` unless the machine drifted during the probe. */
  pairedAddedP50Ms: number;
  addedFirstTokenMs: AddedLatency | undefined;
}

export interface ProbeSettings {
  streaming: boolean;
  pairs: number;
  /** Pairs sent first and not counted, so both sides are warm. */
  warmupPairs: number;
}

interface Side {
  prepared: PreparedRequest;
  agent: Agent;
  totals: number[];
  firstTokens: number[];
  failures: number;
}

/**
 * One request at a time on one keep-alive connection per path, alternating baseline and path
 * (and which goes first) so both see the same machine state; timed with hrtime to the microsecond.
 */
export async function probeSequentially(
  baseline: BenchPath,
  path: BenchPath,
  settings: ProbeSettings,
  signal: AbortSignal,
): Promise<ProbeComparison> {
  const sides = [side(baseline, settings.streaming), side(path, settings.streaming)] as const;
  const differences: number[] = [];
  try {
    for (let index = 0; index < settings.warmupPairs + settings.pairs; index += 1) {
      if (signal.aborted) throw new BenchError('the run was interrupted');
      const counted = index >= settings.warmupPairs;
      const order = index % 2 === 0 ? [0, 1] : [1, 0];
      const timings: (Timing | undefined)[] = [undefined, undefined];
      for (const which of order) timings[which] = await measure(sides[which]!, counted);
      const [base, other] = timings;
      if (counted && base && other) differences.push(other.totalMs - base.totalMs);
    }
  } finally {
    for (const { agent } of sides) agent.destroy();
  }
  const [baseFigures, pathFigures] = sides.map(figures) as [ProbeFigures, ProbeFigures];
  return {
    pairs: settings.pairs,
    baseline: baseFigures,
    path: pathFigures,
    addedMs: added(baseFigures.totalMs, pathFigures.totalMs),
    pairedAddedP50Ms: summarize(differences).p50,
    addedFirstTokenMs:
      baseFigures.firstTokenMs && pathFigures.firstTokenMs ? added(baseFigures.firstTokenMs, pathFigures.firstTokenMs) : undefined,
  };
}

function side(path: BenchPath, streaming: boolean): Side {
  return {
    prepared: prepareRequest(path, streaming),
    agent: new Agent({ keepAlive: true, maxSockets: 1 }),
    totals: [],
    firstTokens: [],
    failures: 0,
  };
}

/** Times one request; a good answer comes back as its timing, a failure as undefined. */
async function measure(current: Side, counted: boolean): Promise<Timing | undefined> {
  let timing: Timing;
  try {
    timing = await timeRequest(current.agent, current.prepared);
  } catch {
    if (counted) current.failures += 1;
    return undefined;
  }
  const good = timing.status >= 200 && timing.status < 300 && (!current.prepared.streaming || timing.firstTokenMs !== undefined);
  if (!counted) return good ? timing : undefined;
  if (!good) {
    current.failures += 1;
    return undefined;
  }
  current.totals.push(timing.totalMs);
  if (timing.firstTokenMs !== undefined) current.firstTokens.push(timing.firstTokenMs);
  return timing;
}

function figures(current: Side): ProbeFigures {
  return {
    totalMs: summarize(current.totals),
    firstTokenMs: current.prepared.streaming ? summarize(current.firstTokens) : undefined,
    failures: current.failures,
  };
}

function added(baseline: LatencySummary, path: LatencySummary): AddedLatency {
  return { p50: path.p50 - baseline.p50, p99: path.p99 - baseline.p99 };
}
