import { parseArgs } from 'node:util';
import { TestKitError } from './errors.js';
import type { FakeUpstreamListenOptions } from './fake-upstream-options.js';

export const FAKE_UPSTREAM_USAGE =
  'usage: fake-upstream [--port N] [--host H] [--model M] [--token-count N] [--tokens-per-second N] ' +
  '[--latency-ms N] [--api-key K] [--echo] [--ignore-stream] [--asleep] [--wake-delay-ms N] [--start-delay-ms N] [--crash-after-ms N]';

/** The command line: how the server answers, and what the process does around it. */
export interface FakeUpstreamCommandLine extends FakeUpstreamListenOptions {
  /** Waits this long before it listens, as a model server loading weights does. */
  startDelayMs?: number | undefined;
  /** Exits with code 1 this long after it started listening: a server that crashes. */
  crashAfterMs?: number | undefined;
}

/** Reads the command line of `fake-upstream`; throws a TestKitError naming the bad flag. */
export function parseFakeUpstreamArguments(argv: string[]): FakeUpstreamCommandLine {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        model: { type: 'string' },
        'token-count': { type: 'string' },
        'tokens-per-second': { type: 'string' },
        'latency-ms': { type: 'string' },
        'api-key': { type: 'string' },
        echo: { type: 'boolean' },
        'ignore-stream': { type: 'boolean' },
        asleep: { type: 'boolean' },
        'wake-delay-ms': { type: 'string' },
        'start-delay-ms': { type: 'string' },
        'crash-after-ms': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new TestKitError(`${(error as Error).message}\n${FAKE_UPSTREAM_USAGE}`, { cause: error });
  }
  return {
    port: number('--port', values.port) ?? 0,
    host: values.host ?? '127.0.0.1',
    model: values.model,
    tokenCount: number('--token-count', values['token-count']),
    tokensPerSecond: number('--tokens-per-second', values['tokens-per-second']),
    latencyMs: number('--latency-ms', values['latency-ms']),
    apiKey: values['api-key'],
    echo: values.echo ?? false,
    ignoreStream: values['ignore-stream'] ?? false,
    asleep: values.asleep ?? false,
    wakeDelayMs: number('--wake-delay-ms', values['wake-delay-ms']),
    startDelayMs: number('--start-delay-ms', values['start-delay-ms']),
    crashAfterMs: number('--crash-after-ms', values['crash-after-ms']),
    // Nobody can read the recorded requests of a separate process; keep its memory flat under load.
    recordRequests: false,
  };
}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) {
    throw new TestKitError(`${flag} expects a non-negative number, got "${value}"`);
  }
  return parsed;
}
