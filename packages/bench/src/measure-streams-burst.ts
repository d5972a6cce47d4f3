import type { ProviderTransport } from '@mcpctl/protocol';
import type { BenchPath } from './bench-path.js';
import type { TargetVerdict } from './bench-report.js';
import { cpuBetween } from './cpu-accounting.js';
import { BenchError } from './errors.js';
import { processCpuSeconds } from './process-cpu.js';
import { pacedRelayPathName } from './relay-publisher.js';
import { FALLBACK_TRANSPORT } from './scenarios.js';
import type { Progress } from './run-scenario.js';
import { runStreamBurst } from './stream-burst.js';
import { summarizeBurst, type BurstFigures } from './stream-burst-figures.js';
import {
  MAX_ADDED_INTER_TOKEN_P99_MS,
  PACED_DIRECT_PATH,
  PACED_TOKENS_PER_SECOND,
  WARMUP_STREAMS,
  WARMUP_WORDS,
  WORDS_PER_STREAM,
} from './streams-burst-settings.js';

/** One burst on one path, with the transport its relay was asked for and the one its session used. */
export interface TransportBurst extends BurstFigures {
  transport: { asked: ProviderTransport; used: ProviderTransport | null } | undefined;
}

/** The `streams500` scenario: the same burst directly to the paced upstream, then relayed over each transport. */
export interface StreamsBurstResult {
  streams: number;
  wordsPerStream: number;
  tokensPerSecond: number;
  bursts: TransportBurst[];
  verdicts: TargetVerdict[];
  /** Streams that failed or came out of order, per path; any makes the run fail. */
  problems: string[];
}

export interface StreamsBurstSetup {
  streams: number;
  transports: readonly { asked: ProviderTransport; used: ProviderTransport | null }[];
  pacedPaths: ReadonlyMap<string, BenchPath>;
  /** Process names for the CPU table, by pid. */
  processNames: ReadonlyMap<number, string>;
}

/**
 * Opens `streams` streams at once, each echoing its own words at the paced upstream's 20
 * tokens/s, first directly (the baseline: the fake's own pacing and this client), then relayed
 * through mcpd and each transport's mcplocal. Every stream's tokens are checked against its own
 * prompt; the gaps between tokens beyond the pacing are what the relay adds.
 */
export async function measureStreamsBurst(setup: StreamsBurstSetup, signal: AbortSignal, progress: Progress): Promise<StreamsBurstResult> {
  const intervalMs = 1000 / PACED_TOKENS_PER_SECOND;
  const paceSeconds = ((WORDS_PER_STREAM + 1) * intervalMs) / 1000;
  // Generous: a relay that falls far behind still finishes and shows how far, rather than being cut.
  const timeoutMs = Math.max(60_000, paceSeconds * 20_000);
  const bursts: TransportBurst[] = [];
  const targets: { path: string; transport: TransportBurst['transport'] }[] = [
    { path: PACED_DIRECT_PATH, transport: undefined },
    ...setup.transports.map(({ asked, used }) => ({ path: pacedRelayPathName(asked), transport: { asked, used } })),
  ];
  for (const { path: name, transport } of targets) {
    const path = setup.pacedPaths.get(name);
    if (!path) throw new BenchError(`streams500 names the path "${name}", which the bench environment did not start`);
    const warmupStreams = Math.min(WARMUP_STREAMS, setup.streams);
    progress(`streams500, ${name}: warm-up, ${warmupStreams} streams of ${WARMUP_WORDS + 1} tokens`);
    await runStreamBurst(path, { streams: warmupStreams, wordsPerStream: WARMUP_WORDS, timeoutMs }, signal);
    progress(`streams500, ${name}: ${setup.streams} streams at once, ${WORDS_PER_STREAM + 1} tokens each at ${PACED_TOKENS_PER_SECOND} tokens/s (about ${paceSeconds.toFixed(1)} s)`);
    const before = path.pids.map(processCpuSeconds);
    const records = await runStreamBurst(path, { streams: setup.streams, wordsPerStream: WORDS_PER_STREAM, timeoutMs }, signal);
    const after = path.pids.map(processCpuSeconds);
    const cpu = path.pids.map((pid, index) => ({
      name: setup.processNames.get(pid) ?? `pid ${pid}`,
      pid,
      gateway: path.gatewayPids.includes(pid),
      seconds: cpuBetween(before[index], after[index]),
    }));
    const figures = summarizeBurst(name, records, intervalMs, cpu);
    progress(
      `streams500, ${name}: ${figures.inOrder}/${figures.streams} streams whole and in order, added inter-token delay p99 ${figures.addedInterTokenMs.p99.toFixed(1)} ms, ${figures.wallSeconds.toFixed(1)} s`,
    );
    bursts.push({ ...figures, transport });
  }
  return {
    streams: setup.streams,
    wordsPerStream: WORDS_PER_STREAM,
    tokensPerSecond: PACED_TOKENS_PER_SECOND,
    bursts,
    verdicts: bursts.filter((burst) => burst.transport !== undefined).flatMap((burst) => burstVerdicts(burst)),
    problems: bursts.flatMap((burst) => burst.failures.map((failure) => `streams500, ${burst.path}: ${failure}`).concat(moreFailures(burst))),
  };
}

function moreFailures(burst: BurstFigures): string[] {
  const unlisted = burst.failureCount - burst.failures.length;
  return unlisted > 0 ? [`streams500, ${burst.path}: ${unlisted} more streams failed`] : [];
}

/** Every token of every stream delivered in order, and the p99 added inter-token delay within its target (the fallback's only shown beside it). */
export function burstVerdicts(burst: TransportBurst): TargetVerdict[] {
  const where = `${burst.streams} streams at once at ${PACED_TOKENS_PER_SECOND} tokens/s`;
  const p99 = burst.addedInterTokenMs.p99;
  return [
    {
      target: `${burst.path} delivers every token of every stream, in order (${where})`,
      measured: burst.inOrder,
      limit: burst.streams,
      unit: 'streams',
      source: 'each stream checked against the words of its own prompt',
      met: burst.inOrder === burst.streams,
      // Whole and in order is what any transport owes its callers, the fallback too.
      held: true,
    },
    {
      target: `${burst.path} adds ≤ ${MAX_ADDED_INTER_TOKEN_P99_MS} ms between tokens at p99, beyond the pacing (${where})`,
      measured: p99,
      limit: MAX_ADDED_INTER_TOKEN_P99_MS,
      unit: 'ms',
      source: `arrival gaps of consecutive tokens minus the ${1000 / PACED_TOKENS_PER_SECOND} ms pacing`,
      met: p99 <= MAX_ADDED_INTER_TOKEN_P99_MS,
      held: burst.transport?.asked !== FALLBACK_TRANSPORT,
    },
  ];
}
