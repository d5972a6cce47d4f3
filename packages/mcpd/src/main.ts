#!/usr/bin/env node
import './no-pretenuring.js';
import { systemClock } from '@mcpctl/clock';
import { ConfigError, HELP, loadConfig, wantsHelp } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './composition/server.js';

/**
 * A second signal this soon after the first is the same request: Ctrl-C under `npm start` arrives
 * from the terminal and again from npm.
 */
const REPEATED_SIGNAL_MS = 1_000;

async function main(): Promise<void> {
  // Everything mcpd writes (the embedded database keeps writing files as it grows) is for its
  // own user alone, whatever umask it was started with; see docs/decisions.md.
  process.umask(0o077);
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(HELP);
    return;
  }
  let config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let lost: Error | undefined;
  let stopping = false;
  const onFatal = (error: Error) => {
    logger.fatal({ reason: describe(error) }, 'mcpd cannot go on; stopping');
    process.stderr.write(`mcpd cannot go on: ${describe(error)}; stopping\n`);
    lost = error;
    if (server) stop('fatal');
  };
  // From before the start, which takes seconds on a first run: a supervisor's SIGTERM then is
  // heard and answered with an orderly stop once the start is done, not an exit without a word.
  let heardWhileStarting: { signal: string; at: number } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (server) {
      stop(signal);
      return;
    }
    const now = systemClock.monotonic();
    if (heardWhileStarting === undefined) {
      heardWhileStarting = { signal, at: now };
      logger.warn({ signal }, 'stopping once the start is done; a signal again stops at once');
    } else if (now - heardWhileStarting.at >= REPEATED_SIGNAL_MS) {
      logger.warn({ signal }, 'stopped before the start was done');
      process.exit(1);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    server = await startServer(config, { logger, clock: systemClock, onFatal });
  } catch (error) {
    // The reason, once: its stack is for debugging, not for the operator reading why it stopped.
    logger.fatal({ reason: describe(error) }, 'mcpd could not start');
    logger.debug({ err: error }, 'mcpd could not start');
    process.stderr.write(`mcpd could not start: ${describe(error)}\n`);
    process.exit(1);
  }
  function stop(signal: string): void {
    // Ctrl-C under `npm start` arrives twice (from the terminal, and passed on by npm): one drain.
    if (stopping || !server) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => {
        logger.info('mcpd stopped');
        process.exit(lost ? 1 : 0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  }
  // Lost while starting: the start failed with it, or finished just before it was heard.
  if (lost) stop('fatal');
  else if (heardWhileStarting) stop(heardWhileStarting.signal);
}

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current && parts.length < 4; current = (current as { cause?: unknown }).cause) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-Error is described as String() shows it
    const message = (current as Error).message ?? String(current);
    // A message that already says its cause's words is not followed by them again.
    if (!parts.some((part) => part.includes(message))) parts.push(message);
  }
  return parts.join(': ');
}

void main();
