import { microsecondsPerChunk, percentOfCore, sumCpu } from './cpu-accounting.js';
import { summarize, type LatencySummary } from './latency-summary.js';
import type { StreamRecord } from './stream-burst.js';

/** One server process's CPU over a burst. */
export interface ProcessCpu {
  name: string;
  pid: number;
  /** Counted in the gateway's CPU per chunk (mcpd, mcplocal), not the model server. */
  gateway: boolean;
  /** CPU seconds (user + system) over the burst; undefined without procfs. */
  seconds: number | undefined;
  /** `seconds` over the burst's wall time, in % of one core. */
  percentOfCore: number | undefined;
}

/** What one burst of streams on one path came to. */
export interface BurstFigures {
  path: string;
  streams: number;
  /** Streams that ended normally with every token of their own prompt, in order. */
  inOrder: number;
  /** Why the others did not, one line per stream (the first ten). */
  failures: string[];
  failureCount: number;
  tokens: number;
  chunks: number;
  /** From the first request sent to the last stream ended. */
  wallSeconds: number;
  /** Arrival of each stream's first token minus its send time and one pacing interval. */
  addedFirstTokenMs: LatencySummary;
  /** Every gap between two consecutive tokens of a stream minus the pacing interval. */
  addedInterTokenMs: LatencySummary;
  cpu: ProcessCpu[];
  /** The gateway processes' CPU over the chunks received, in µs; undefined for the direct path or without procfs. */
  gatewayMicrosPerChunk: number | undefined;
}

const LISTED_FAILURES = 10;

/** What the echoing upstream answers a stream: `user:` and then each of its words, one token each, with its leading space. */
export function expectedTokens(words: readonly string[]): string[] {
  return ['user:', ...words.map((word) => ` ${word}`)];
}

/** Why a stream does not count as delivered whole and in order, or undefined when it does. */
export function streamProblem(record: StreamRecord): string | undefined {
  if (record.error !== undefined) return record.error;
  const expected = expectedTokens(record.words);
  const length = Math.min(expected.length, record.tokens.length);
  for (let index = 0; index < length; index += 1) {
    if (record.tokens[index] !== expected[index]) {
      return `token ${index + 1} is ${JSON.stringify(record.tokens[index])}, expected ${JSON.stringify(expected[index])}`;
    }
  }
  if (record.tokens.length !== expected.length) return `${record.tokens.length} tokens, expected ${expected.length}`;
  return undefined;
}

/** The gaps between consecutive arrivals beyond `intervalMs`: 0 for a token exactly on pace, negative for one early (two delivered together). */
export function addedGapsMs(arrivalsMs: readonly number[], intervalMs: number): number[] {
  const gaps: number[] = [];
  for (let index = 1; index < arrivalsMs.length; index += 1) gaps.push(arrivalsMs[index]! - arrivalsMs[index - 1]! - intervalMs);
  return gaps;
}

/** Reduces a burst's records and its processes' CPU to figures; gaps and first tokens are taken from every stream that delivered them. */
export function summarizeBurst(path: string, records: readonly StreamRecord[], intervalMs: number, cpu: readonly Omit<ProcessCpu, 'percentOfCore'>[]): BurstFigures {
  const failures: string[] = [];
  const gaps: number[] = [];
  const firstTokens: number[] = [];
  let tokens = 0;
  let chunks = 0;
  let startedAt = Number.POSITIVE_INFINITY;
  let endedAt = Number.NEGATIVE_INFINITY;
  for (const [index, record] of records.entries()) {
    const problem = streamProblem(record);
    if (problem !== undefined) failures.push(`stream ${index}: ${problem}`);
    tokens += record.tokens.length;
    chunks += record.chunks;
    startedAt = Math.min(startedAt, record.sentAtMs);
    endedAt = Math.max(endedAt, record.endedAtMs);
    if (record.arrivalsMs.length > 0) firstTokens.push(record.arrivalsMs[0]! - record.sentAtMs - intervalMs);
    for (const gap of addedGapsMs(record.arrivalsMs, intervalMs)) gaps.push(gap);
  }
  const wallSeconds = records.length > 0 ? (endedAt - startedAt) / 1000 : 0;
  const gatewayCpu = cpu.filter((entry) => entry.gateway);
  return {
    path,
    streams: records.length,
    inOrder: records.length - failures.length,
    failures: failures.slice(0, LISTED_FAILURES),
    failureCount: failures.length,
    tokens,
    chunks,
    wallSeconds,
    addedFirstTokenMs: summarize(firstTokens),
    addedInterTokenMs: summarize(gaps),
    cpu: cpu.map((entry) => ({ ...entry, percentOfCore: percentOfCore(entry.seconds, wallSeconds) })),
    gatewayMicrosPerChunk: gatewayCpu.length === 0 ? undefined : microsecondsPerChunk(sumCpu(gatewayCpu.map((entry) => entry.seconds)), chunks),
  };
}
