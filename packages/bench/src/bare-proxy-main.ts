#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startBareProxy } from './bare-proxy.js';

/*
 * `bare-proxy --upstream URL --model M`: the reference proxy in its own process. Prints one JSON
 * line `{"url": …}` once listening; stops on SIGTERM or SIGINT.
 */

try {
  const { values } = parseArgs({ options: { upstream: { type: 'string' }, model: { type: 'string' } }, strict: true });
  if (!values.upstream || !values.model) throw new Error('usage: bare-proxy --upstream URL --model M');
  const proxy = await startBareProxy({ upstreamUrl: values.upstream, model: values.model });
  const stop = () => {
    proxy.close().catch((error: unknown) => {
      process.stderr.write(`bare-proxy: cannot close: ${(error as Error).message}\n`);
      process.exitCode = 1;
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ url: proxy.url })}\n`);
} catch (error) {
  process.stderr.write(`bare-proxy: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
