import { parseArgs } from 'node:util';
import { BenchUsageError } from './errors.js';

/** How long and how thoroughly to measure, read once from the command line. */
export interface BenchOptions {
  /** Measured seconds per load run (one run per path per scenario). */
  durationSeconds: number;
  /** Unmeasured seconds of the same load before each measured run, so JIT and connection pools are warm. */
  warmupSeconds: number;
  /** Request pairs (baseline, path) of the sequential latency probe at one connection. */
  probeSamples: number;
  /** Tokens in every fake answer. */
  tokenCount: number;
  /** Print only the JSON report. */
  json: boolean;
  /** Also measure the bare reference proxy, the floor one extra Node.js hop costs on this machine. */
  reference: boolean;
  /** Where the JSON report goes; unset: `.bench/latest.json` in the repository. */
  outputFile: string | undefined;
  /** When set, mcpd runs with `--cpu-prof` and writes its profile into this folder on exit. */
  cpuProfileDir: string | undefined;
}

export const BENCH_USAGE =
  'usage: bench [--duration S] [--warmup S] [--samples N] [--tokens N] [--quick] [--reference] [--json] [--output FILE] [--cpu-prof DIR]';

const FULL = { durationSeconds: 5, warmupSeconds: 1, probeSamples: 2000 };
const QUICK = { durationSeconds: 2, warmupSeconds: 1, probeSamples: 500 };

/** Reads the command line; `--quick` sets shorter defaults that explicit flags still override. */
export function parseBenchArguments(argv: string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        duration: { type: 'string' },
        warmup: { type: 'string' },
        samples: { type: 'string' },
        tokens: { type: 'string' },
        quick: { type: 'boolean' },
        json: { type: 'boolean' },
        reference: { type: 'boolean' },
        output: { type: 'string' },
        'cpu-prof': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n${BENCH_USAGE}`, { cause: error });
  }
  const defaults = values.quick ? QUICK : FULL;
  return {
    durationSeconds: positive('--duration', values.duration) ?? defaults.durationSeconds,
    warmupSeconds: positive('--warmup', values.warmup, true) ?? defaults.warmupSeconds,
    probeSamples: integer('--samples', values.samples) ?? defaults.probeSamples,
    tokenCount: integer('--tokens', values.tokens) ?? 16,
    json: values.json ?? false,
    reference: values.reference ?? false,
    outputFile: values.output,
    cpuProfileDir: values['cpu-prof'],
  };
}

function positive(flag: string, value: string | undefined, zeroAllowed = false): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  const valid = value.trim() !== '' && Number.isFinite(parsed) && (zeroAllowed ? parsed >= 0 : parsed > 0);
  if (!valid) throw new BenchUsageError(`${flag} expects a ${zeroAllowed ? 'non-negative' : 'positive'} number of seconds, got "${value}"`);
  return parsed;
}

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new BenchUsageError(`${flag} expects a positive integer, got "${value}"`);
  return parsed;
}
