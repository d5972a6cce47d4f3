import type { BenchOptions } from './bench-options.js';
import type { RelayTransportUse } from './bench-environment.js';
import type { LoadFigures } from './load-figures.js';
import type { MachineDescription } from './machine.js';
import type { FleetFigures } from './measure-fleet.js';
import type { StreamsBurstResult } from './measure-streams-burst.js';
import type { Scenario } from './scenarios.js';
import type { ProbeComparison } from './sequential-probe.js';
import type { WakeFigures } from './wake-overhead.js';

/** One target held against one scenario's figures. */
export interface TargetVerdict {
  /** Reads as a sentence: `mcpd throughput ≥ 12 % of direct (non-streaming, 64 connections)`. */
  target: string;
  measured: number;
  limit: number;
  /** `×` a ratio to the baseline; `streams` a count of streams out of `limit`. */
  unit: '%' | '×' | 'ms' | 'µs' | 'MiB' | 'streams';
  /** Which measurement the figure comes from. */
  source: string;
  met: boolean;
  /** False for the fallback transport's figures: shown beside the target, not held to it. */
  held: boolean;
}

export interface ScenarioResult {
  scenario: Scenario;
  baseline: LoadFigures;
  path: LoadFigures;
  /** Path req/s over baseline req/s. */
  throughputRatio: number;
  /** The host's steal over the scenario's load runs, in % of the machine's CPU time (see `BenchReport.stealPercent`). */
  stealPercent?: number | undefined;
  /** Load-run p50 of the path minus that of the baseline. */
  addedP50Ms: number;
  probe: ProbeComparison | undefined;
  verdicts: TargetVerdict[];
  /** Non-2xx answers, errors and timeouts, one line per run that had any. */
  problems: string[];
}

export interface BenchReport {
  command: string;
  date: string;
  machine: MachineDescription;
  /** 1-minute load average when the run ended; well above the start's means something else competed for the cores. */
  loadAverageAtEnd: number;
  /**
   * The share of the machine's CPU time the host took during the run (steal, from `/proc/stat`),
   * in %: on a virtual machine whose host is busy, everything runs slower and CPU per answer reads
   * higher, which no load average inside the machine shows. Undefined without procfs.
   */
  stealPercent: number | undefined;
  settings: Omit<BenchOptions, 'json' | 'outputFile'>;
  results: ScenarioResult[];
  /** Each relaying mcplocal: the transport it was forced to and the one mcpd says its session used, at the start and at the end. */
  transports: (RelayTransportUse & { usedAtEnd: RelayTransportUse['used'] })[];
  /** The wake measurement, when it ran. */
  wake: WakeFigures | undefined;
  /** The `streams500` measurement, when it ran. */
  streamsBurst: StreamsBurstResult | undefined;
  /** The fleet measurement, when it ran. */
  fleet: FleetFigures | undefined;
  /** Every problem of every scenario and wake; a report with any is not to be trusted. */
  problems: string[];
  /** Conditions that make the figures noisier without making them wrong, e.g. a busy machine. */
  warnings: string[];
}
