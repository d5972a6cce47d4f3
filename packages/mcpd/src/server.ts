import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase, type DatabaseHandle } from '@mcpctl/db';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { systemClock, type Clock } from './clock.js';
import type { McpdConfig } from './config.js';
import { TokenRepository } from './repositories/token-repository.js';
import { UserRepository } from './repositories/user-repository.js';
import { makeDataDirPrivate } from './private-data-dir.js';
import { loadOrCreateSecretKey } from './secret-key-file.js';
import { bootstrapAdmin } from './services/bootstrap-admin.js';
import { createServices, type RunningServices } from './services/create-services.js';

export interface StartOptions {
  logger: Logger;
  clock?: Clock;
  /** An already open database (tests); otherwise one is opened from the config. */
  database?: DatabaseHandle;
  /** Where the generated admin token is announced; defaults to stdout. */
  announce?: (message: string) => void;
  cacheMs?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  services: RunningServices;
  url: string;
  /** Stops accepting, lets in-flight requests finish up to the deadline, then closes everything. */
  close(): Promise<void>;
}

export async function startServer(config: McpdConfig, options: StartOptions): Promise<RunningServer> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  await makeDataDirPrivate(config.dataDir, logger);
  const database =
    options.database ??
    (await openDatabase({ url: config.databaseUrl, dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pgdata') }));
  // What the embedded database just created, in case this process's umask let others in.
  if (!options.database && !config.databaseUrl) await makeDataDirPrivate(config.dataDir, logger);
  const secretKey = config.secretKey ?? (await loadOrCreateSecretKey(config.dataDir));
  const { db } = database;
  const bootstrap = await bootstrapAdmin(
    { users: new UserRepository(db), tokens: new TokenRepository(db) },
    config.bootstrapToken,
  );
  if (bootstrap.generatedToken) {
    const tokenPath = join(config.dataDir, 'admin-token');
    await writeFile(tokenPath, `${bootstrap.generatedToken}\n`, { mode: 0o600 });
    const announce = options.announce ?? ((message: string) => process.stdout.write(`${message}\n`));
    announce(`Admin token (shown once, also saved to ${tokenPath}):\n${bootstrap.generatedToken}`);
  } else if (bootstrap.created) {
    logger.info('admin user created with the token from MCPD_BOOTSTRAP_TOKEN');
  }

  const services = createServices({
    database,
    secretKey,
    clock,
    logger,
    upstreamHeadersTimeoutMs: config.upstreamHeadersTimeoutMs,
    upstreamIdleTimeoutMs: config.upstreamIdleTimeoutMs,
    relayTimeoutMs: config.relayTimeoutMs,
    lifecycle: { heartbeatTimeoutMs: config.heartbeatTimeoutMs, inactiveRetentionMs: config.inactiveRetentionMs },
    pingIntervalMs: config.pingIntervalMs,
    dispatch: config.dispatch,
    wake: config.wake,
    processMetrics: true,
    failedAuth: { maxFailures: config.authFailureLimit, windowMs: config.authFailureWindowMs },
    maxControlStreamsPerUser: config.maxControlStreamsPerUser,
    maxResultPostsPerUser: config.maxResultPostsPerUser,
    perUser: config.perUser,
    ...(options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs }),
  });
  const app = buildApp(services, {
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    bodyTimeoutMs: config.bodyTimeoutMs,
    trustProxy: config.trustProxy,
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, database: database.driver }, 'mcpd listening');

  const gcTimer = setInterval(() => {
    services.gc.runOnce().catch((error: unknown) => logger.error({ err: error }, 'lifecycle GC failed'));
  }, config.gcIntervalMs);
  gcTimer.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const deadline = setTimeout(() => {
        logger.warn('shutdown deadline reached; closing the remaining connections');
        app.server.closeAllConnections();
      }, config.shutdownDeadlineMs);
      deadline.unref();
      clearInterval(gcTimer);
      try {
        const stopped = app.close();
        // Relayed answers still flow over the control streams: close those last.
        await services.inference.drained(config.shutdownDeadlineMs);
        services.hub.closeAll();
        // Nothing useful is in flight any more; a lingering keep-alive or a stream whose
        // client vanished must not hold the exit for the whole deadline.
        app.server.closeAllConnections();
        await stopped;
      } finally {
        clearTimeout(deadline);
        await services.close();
        if (!options.database) await database.close();
      }
    })();
    return closing;
  };
  return { app, services, url, close };
}
