#!/usr/bin/env node
// The container's HEALTHCHECK: asks mcpd's /readyz on the port and address mcpd was started with;
// exits 0 when it answers 2xx, 1 otherwise. `mcpd-healthcheck [PID]`: the process whose command
// line holds mcpd's flags, 1 by default (mcpd, or an init such as `docker run --init` in front of it).
import { readFileSync } from 'node:fs';
import { argsOfCommandLine, healthcheckUrl } from '../dist/healthcheck-url.js';

let args = [];
try {
  args = argsOfCommandLine(readFileSync(`/proc/${process.argv[2] ?? '1'}/cmdline`, 'utf8'));
} catch {
  // A process named on the command line that is gone is no mcpd to ask.
  if (process.argv[2] !== undefined) process.exit(1);
  // No /proc (not Linux): mcpd's defaults.
}
try {
  const response = await fetch(healthcheckUrl(args), { signal: AbortSignal.timeout(2500) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
