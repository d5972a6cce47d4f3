import type { CliEnvironment } from './credentials.js';
import { UsageError } from './errors.js';

/** How long a request waits for mcpd's answer to begin, and then for each next piece of its body, unless `MCPCTL_REQUEST_TIMEOUT` says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const UNITS_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;
const PATTERN = /^([0-9]{1,6})([smh])?$/;
/** A day: longer waits are no timeout at all (use 0), and past about 24.8 days a Node timer fires at once. */
const MOST_MS = 24 * 3_600_000;

/**
 * `MCPCTL_REQUEST_TIMEOUT` in milliseconds: `30s`, `2m`, `1h`; `0` waits as long as it takes
 * (undefined). A stuck mcpd, or a server that accepts connections and never answers, would
 * otherwise hold a command (a CI step) for the HTTP client's own 300 s.
 */
export function requestTimeoutMs(env: CliEnvironment): number | undefined {
  const value = env.MCPCTL_REQUEST_TIMEOUT;
  if (value === undefined || value === '') return DEFAULT_REQUEST_TIMEOUT_MS;
  const match = PATTERN.exec(value);
  const amount = Number(match?.[1]);
  // Any zero (`0`, `0s`) means no timeout; a bare number other than 0 has no unit to read it by.
  if (match && amount === 0) return undefined;
  if (!match || match[2] === undefined) {
    throw new UsageError(`MCPCTL_REQUEST_TIMEOUT ${value} is not a duration`, { hint: 'give a whole number and a unit, such as 30s, 2m or 1h, or 0 to wait as long as it takes' });
  }
  const ms = amount * UNITS_MS[match[2] as keyof typeof UNITS_MS];
  if (ms > MOST_MS) throw new UsageError(`MCPCTL_REQUEST_TIMEOUT ${value} is more than a day`, { hint: 'give at most 24h, or 0 to wait as long as it takes' });
  return ms;
}
