#!/usr/bin/env node
// The container's HEALTHCHECK: asks mcpd's /readyz on the port and address mcpd was started with;
// exits 0 when it answers 2xx, 1 otherwise, saying why on stderr (`docker inspect` keeps it).
// `mcpd-healthcheck [PID]`: the process whose command line holds mcpd's flags, 1 by default (mcpd,
// or an init such as `docker run --init` in front of it).
import { readFileSync } from 'node:fs';
import { argsOfCommandLine, healthcheckUrl } from '../dist/healthcheck-url.js';

const unhealthy = (reason) => {
  process.stderr.write(`mcpd-healthcheck: ${reason}\n`);
  process.exit(1);
};

const pid = process.argv[2] ?? '1';
let args = [];
try {
  args = argsOfCommandLine(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
} catch (error) {
  // A process named on the command line that is gone is no mcpd to ask.
  if (process.argv[2] !== undefined) unhealthy(`cannot read the command line of process ${pid}: ${error.message}`);
  // No /proc (not Linux): mcpd's defaults.
}
const url = healthcheckUrl(args);
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2500) });
  if (!response.ok) unhealthy(`GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  process.exit(0);
} catch (error) {
  unhealthy(`GET ${url} failed: ${error.cause?.message ?? error.message}`);
}
