#!/usr/bin/env node
import { FAKE_UPSTREAM_USAGE, parseFakeUpstreamArguments } from './fake-upstream-arguments.js';
import { startFakeUpstream } from './fake-upstream.js';

/*
 * `fake-upstream`: the fake model server in its own process, so a load generator does not share
 * its event loop, or mcplocal runs it as a managed server. Prints one JSON line `{"url": …}` once
 * listening; stops on SIGTERM or SIGINT.
 */

if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
  process.stdout.write(`${FAKE_UPSTREAM_USAGE}\n`);
  process.exit(0);
}

try {
  const { startDelayMs, crashAfterMs, ...options } = parseFakeUpstreamArguments(process.argv.slice(2));
  if (startDelayMs) await new Promise((resolve) => setTimeout(resolve, startDelayMs));
  const upstream = await startFakeUpstream(options);
  if (crashAfterMs !== undefined) {
    setTimeout(() => {
      process.stderr.write('fake-upstream: crashing as asked (--crash-after-ms)\n');
      process.exit(1);
    }, crashAfterMs);
  }
  const stop = () => {
    upstream.close().catch((error: unknown) => {
      process.stderr.write(`fake-upstream: cannot close: ${(error as Error).message}\n`);
      process.exitCode = 1;
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ url: upstream.url })}\n`);
} catch (error) {
  process.stderr.write(`fake-upstream: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
