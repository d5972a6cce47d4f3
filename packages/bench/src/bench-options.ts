import { parseArgs } from 'node:util';
import { providerTransportSchema, type ProviderTransport } from '@mcpctl/protocol';
import { BenchUsageError } from './errors.js';

/**
 * What a run can measure: mcpd's public route, the relay through mcplocal, a pool of relayed
 * members, waking a sleeping backend, many slow relayed streams at once (`streams500`), and a
 * fleet of provider sessions heartbeating on one mcpd (`fleet`).
 */
export const BENCH_PARTS = ['public', 'relay', 'pool', 'wake', 'streams500', 'fleet'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

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
  /** When set, mcpd and each mcplocal run with `--cpu-prof` and write their profiles into this folder on exit. */
  cpuProfileDir: string | undefined;
  /** The parts to measure (`--only`); all of them by default. */
  parts: readonly BenchPart[];
  /** Wakes timed, each of its own sleeping backend. */
  wakeSamples: number;
  /** How long a backend takes to come up after its wake call; the samples take these in turn (default 250, 500, … 3000). */
  wakeDelaysMs: readonly number[];
  /** The provider channel transports the relay is measured on, one mcplocal forced to each (`--transport`); both by default. */
  transports: readonly ProviderTransport[];
  /** Streams opened at once by `streams500` (`--streams`); 500 by default. */
  streams: number;
  /** Provider sessions the `fleet` part connects (`--fleet-sessions`); 10,000 by default. */
  fleetSessions: number;
}

export const BENCH_USAGE =
  'usage: bench [--only public,relay,pool,wake,streams500] [--transport sse,websocket] [--duration S] [--warmup S] [--samples N] [--tokens N] [--streams N] [--fleet-sessions N] [--wake-samples N] [--wake-delay-ms MS[,MS…]] [--quick] [--reference] [--json] [--output FILE] [--cpu-prof DIR]';

/** The streams `streams500` opens at once, as its name says. */
const DEFAULT_STREAMS = 500;
/** The fleet one replica must hold (issue 14 item 7). */
const DEFAULT_FLEET_SESSIONS = 10_000;

const FULL = { durationSeconds: 5, warmupSeconds: 1, probeSamples: 2000, wakeSamples: 12 };
const QUICK = { durationSeconds: 2, warmupSeconds: 1, probeSamples: 500, wakeSamples: 6 };
/**
 * mcplocal probes a waking backend at growing intervals, so the wait after ready depends on where
 * the ready instant falls between two probes; delays spread over 0.25–3 s sample that phase
 * instead of one lucky or unlucky point of it.
 */
const DEFAULT_WAKE_DELAYS_MS = Array.from({ length: 12 }, (_, index) => 250 * (index + 1));

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
        only: { type: 'string' },
        'wake-samples': { type: 'string' },
        'wake-delay-ms': { type: 'string' },
        transport: { type: 'string' },
        streams: { type: 'string' },
        'fleet-sessions': { type: 'string' },
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
    parts: chosen('--only', values.only, BENCH_PARTS),
    wakeSamples: integer('--wake-samples', values['wake-samples']) ?? defaults.wakeSamples,
    wakeDelaysMs: wakeDelays(values['wake-delay-ms']),
    // SSE + POST first: the fallback, the figure the socket is read against.
    transports: chosen('--transport', values.transport, providerTransportSchema.options),
    streams: integer('--streams', values.streams) ?? DEFAULT_STREAMS,
    fleetSessions: integer('--fleet-sessions', values['fleet-sessions']) ?? DEFAULT_FLEET_SESSIONS,
  };
}

/**
 * `--only relay,pool` or `--transport websocket`: the named ones among `known`, in the order of
 * `known` whatever the order typed; all of them when the flag is absent.
 */
function chosen<T extends string>(flag: string, value: string | undefined, known: readonly T[]): T[] {
  if (value === undefined) return [...known];
  const named = list(value);
  const unknown = named.filter((name) => !(known as readonly string[]).includes(name));
  if (unknown.length > 0 || named.length === 0) {
    throw new BenchUsageError(`${flag} expects a comma-separated list of ${known.join(', ')}, got "${value}"`);
  }
  return known.filter((item) => named.includes(item));
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function wakeDelays(value: string | undefined): number[] {
  if (value === undefined) return [...DEFAULT_WAKE_DELAYS_MS];
  const delays = list(value).map(Number);
  if (delays.length === 0 || delays.some((delay) => !Number.isInteger(delay) || delay < 0)) {
    throw new BenchUsageError(`--wake-delay-ms expects whole milliseconds, several separated by commas, got "${value}"`);
  }
  return delays;
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
