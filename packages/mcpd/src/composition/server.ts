import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { openDatabase, type DatabaseHandle } from '@mcpctl/db';
import { every, systemClock, type Clock } from '@mcpctl/clock';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { McpdConfig } from '../config.js';
import { TokenRepository } from '../repositories/token-repository.js';
import { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import { sayBootstrap } from './say-bootstrap.js';
import { sweepLine } from '../services/startup-sweep.js';
import { UserRepository } from '../repositories/user-repository.js';
import { makeDataDirPrivate } from '../private-data-dir.js';
import { lockDataDir, type DataDirLock } from '../data-dir-lock.js';
import { assertPortFree, listenError } from '../assert-port-free.js';
import { loadOrCreateSecretKey } from '../secret-key-file.js';
import { bootstrapAdmin } from '../services/bootstrap-admin.js';
import { sealStoredUrls } from '../services/seal-stored-urls.js';
import { LlmRepository } from '../repositories/llm-repository.js';
import { SecretBox } from '../security/secret-box.js';
import { runExclusively } from '../repositories/singleton-lock.js';
import { holdLoneProcessLock, type LoneProcessLock, type LoneProcessLockEvents } from '../repositories/lone-process-lock.js';
import { checkSecretKey } from '../services/check-secret-key.js';
import { createServices, type RunningServices } from './create-services.js';
import { newReplicaId } from './replica-id.js';
import { NatsBus, redactNatsUrl } from '../bus/nats-bus.js';
import { AccessWhileBusLost } from '../bus/access-while-bus-lost.js';
import type { PresenceTiming } from '../services/replica-presence.js';
import type { ResolveHost } from '../security/upstream-address-guard.js';
import { logFailure } from '../errors.js';

/** After the deadline cut the last answers, how long their error frames get to go out. */
const CUT_SETTLE_MS = 2_000;
/** How long connections still busy (a last result post being answered) get before they are cut. */
const CONNECTION_SETTLE_MS = 500;
/** How long answers already given may take to leave their sockets (a slow reader) before the close. */
const WRITTEN_MS = 5_000;
/** How often the close looks whether those answers have left. */
const WRITTEN_POLL_MS = 10;

export interface StartOptions {
  logger: Logger;
  /** The one clock every deadline, timer and timestamp of this process runs on (default: the system's). */
  clock?: Clock;
  /** An already open database (tests); otherwise one is opened from the config. */
  database?: DatabaseHandle;
  /** Where the generated admin token is announced; defaults to stdout. */
  announce?: (message: string) => void;
  cacheMs?: number;
  /** Resolves upstream host names for the address checks (tests); the system resolver otherwise. */
  resolveHost?: ResolveHost;
  /** Among replicas: liveness timing (tests shorten it); the defaults otherwise. */
  presenceTiming?: PresenceTiming;
  /**
   * Without NATS on PostgreSQL, hold the lone-process lock (default true). Off only in tests that
   * start a second mcpd in-process beside a first that stands for one killed, whose lock the
   * database would have let go with its connection.
   */
  loneProcessLock?: boolean;
  /**
   * The server cannot go on (the embedded database's thread ended): every request from now on
   * would fail. `main` logs it and stops the process, so whatever supervises it starts it again.
   */
  onFatal?: (error: Error) => void;
}

/** How long a task or results wait for the replica that should take them before counting as undelivered. */
const BUS_REQUEST_TIMEOUT_MS = 5_000;

export interface RunningServer {
  app: FastifyInstance;
  services: RunningServices;
  url: string;
  /**
   * Drains: new work gets 503 while the work in flight finishes (its result posts still
   * accepted) up to the deadline, which ends what is left with error frames; then the control
   * streams close and the process lets go of its port. Among replicas the port closes first, work
   * reaching this process on its open connections is still served, and the publishers held here
   * move to the replicas that stay (`TaskRouter.moveAway`).
   */
  close(): Promise<void>;
}

export async function startServer(config: McpdConfig, options: StartOptions): Promise<RunningServer> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  // First: a start refused for its address leaves no data directory behind.
  await assertPortFree(config.host, config.port);
  await makeDataDirPrivate(config.dataDir, logger);
  const embedded = !options.database && !config.databaseUrl;
  const lock = embedded
    ? await lockDataDir(config.dataDir, {
        onMissing: (outcome) =>
          outcome === 'restored'
            ? logger.warn({ dataDir: config.dataDir }, 'mcpd.lock was removed while this mcpd runs; written again (remove it only when no mcpd runs on the directory)')
            : logger.error({ dataDir: config.dataDir }, 'mcpd.lock was removed while this mcpd runs, and another process has written its own: two mcpd on one data directory lose writes; stop the other'),
      })
    : undefined;
  try {
    return await startOn(config, options, clock, lock);
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

async function startOn(config: McpdConfig, options: StartOptions, clock: Clock, lock: DataDirLock | undefined): Promise<RunningServer> {
  const { logger } = options;
  const database =
    options.database ??
    (await openDatabase({ url: config.databaseUrl, dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pgdata') }));
  if (!options.database) database.onLost?.((error) => options.onFatal?.(error));
  let loneLock: LoneProcessLock | undefined;
  try {
    // Without NATS, the only mcpd on its PostgreSQL database, or none: refused before it reads a row.
    loneLock = config.cluster || options.loneProcessLock === false ? undefined : await holdLoneProcessLock(database, clock, loneLockEvents(logger));
    return await startWithDatabase(config, options, clock, lock, database, loneLock);
  } catch (error) {
    // Before the database closes, which waits for every connection given out.
    await loneLock?.release().catch(() => undefined);
    if (!options.database) await database.close().catch(() => undefined);
    throw error;
  }
}

async function startWithDatabase(
  config: McpdConfig,
  options: StartOptions,
  clock: Clock,
  lock: DataDirLock | undefined,
  database: DatabaseHandle,
  loneLock: LoneProcessLock | undefined,
): Promise<RunningServer> {
  const { logger } = options;
  // What the embedded database just created, in case this process's umask let others in.
  if (!options.database && !config.databaseUrl) await makeDataDirPrivate(config.dataDir, logger, { made: true });
  const secretKey = config.secretKey ?? (await loadOrCreateSecretKey(config.dataDir));
  const { db } = database;
  // Replicas starting together: one creates the admin, the others then find it.
  const bootstrap = await runExclusively(db, 'bootstrap', (tx) =>
    bootstrapAdmin({ users: new UserRepository(tx), tokens: new TokenRepository(tx), roleBindings: new RoleBindingRepository(tx) }, config.bootstrapToken, clock.now()),
  );
  const box = new SecretBox(secretKey);
  const keySource = config.secretKey === undefined ? `the key in ${join(config.dataDir, 'secret-key')}` : 'MCPD_SECRET_KEY';
  const forget = config.forgetUnreadableSecrets;
  const keyCheck = forget
    ? await runExclusively(db, 'forgetSecrets', (tx) => checkSecretKey(new LlmRepository(tx), box, keySource, true))
    : await checkSecretKey(new LlmRepository(db), box, keySource);
  if (keyCheck.unreadable.length > 0 && forget) {
    logger.warn({ llms: keyCheck.unreadable }, `cleared the secrets of these LLMs, which ${keySource} cannot open: give each its API key (and any user:pass@ of its URL) again, with mcpctl apply or PUT`);
  } else if (keyCheck.unreadable.length > 0) {
    logger.warn({ llms: keyCheck.unreadable }, `the secrets of these LLMs cannot be opened with ${keySource}; calls to them fail until their key or URL is written again (or start once with --forget-unreadable-secrets to clear them)`);
  }
  // Rows from before URLs were sealed: replicas starting together seal each row once.
  const sealed = await runExclusively(db, 'sealUrls', (tx) => sealStoredUrls(new LlmRepository(tx), box));
  if (sealed > 0) logger.info({ sealed }, 'sealed the credentials of LLM URLs stored in clear');
  await sayBootstrap(bootstrap, config.dataDir, logger, options.announce);

  const replicaId = newReplicaId();
  const bus = config.cluster
    ? new NatsBus({
        url: config.cluster.natsUrl,
        subjectPrefix: config.cluster.subjectPrefix,
        replicaId,
        requestTimeoutMs: BUS_REQUEST_TIMEOUT_MS,
        onError: (error, subject) => logger.warn({ err: error, subject }, 'a message from another replica was dropped'),
        onConnection: ({ type, server }) => {
          if (type === 'disconnect') {
            logger.warn({ server }, 'lost the connection to NATS: until it is back, publishers held by other replicas cannot be reached from here, nor callers on other replicas; reconnecting');
            services.router.busLost();
            accessWhileBusLost.lost();
          } else {
            logger.info({ server }, 'connected to NATS again: replicas reach one another');
            accessWhileBusLost.back();
          }
        },
      })
    : undefined;
  // Declared before the services it calls, which the bus's own callbacks need too; called only once both exist.
  const accessWhileBusLost = new AccessWhileBusLost(clock, () => services.recheckAccess());
  const services = createServices({
    database,
    bus,
    ...(options.presenceTiming ? { presenceTiming: options.presenceTiming } : {}),
    secretKey,
    clock,
    logger,
    upstreamHeadersTimeoutMs: config.upstreamHeadersTimeoutMs,
    upstreamIdleTimeoutMs: config.upstreamIdleTimeoutMs,
    relayTimeoutMs: config.relayTimeoutMs,
    reconnectGraceMs: config.reconnectGraceMs,
    lifecycle: { heartbeatTimeoutMs: config.heartbeatTimeoutMs, inactiveRetentionMs: config.inactiveRetentionMs },
    pingIntervalMs: config.pingIntervalMs,
    maxResultBytes: config.maxResultBytes,
    providerSocket: config.providerSocket,
    bodyLimitBytes: config.bodyLimitBytes,
    relayTaskBufferBytes: config.relayTaskBufferBytes,
    streamKeepaliveMs: config.streamKeepaliveMs,
    dispatch: config.dispatch,
    wake: config.wake,
    processMetrics: true,
    failedAuth: { maxFailures: config.authFailureLimit, windowMs: config.authFailureWindowMs },
    maxControlStreamsPerUser: config.maxControlStreamsPerUser,
    maxResultPostsPerUser: config.maxResultPostsPerUser,
    perUser: config.perUser,
    metricsToken: config.metricsToken,
    ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    ...(options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs }),
  });
  const app = buildApp(services, {
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    bodyTimeoutMs: config.bodyTimeoutMs,
    trustProxy: config.trustProxy,
  });
  const connections = new Set<net.Socket>();
  app.server.on('connection', (socket: net.Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  // Answers ended but not yet written whole: the close waits for them (a stream whose last chunk is
  // on its way). Most of them show as bytes their socket holds; a pipelined answer waiting behind
  // the one before it holds its bytes itself, with no socket yet, and shows only here.
  const answering = new Set<ServerResponse>();
  app.server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    answering.add(response);
    response.once('close', () => answering.delete(response));
  });
  try {
    if (bus && services.presence) {
      await bus.start(services.busHandlers);
      await services.presence.start();
      const presence = services.presence;
      // Not awaited: a replica that does not answer costs the bus's request timeout, and this is a warning, not a refusal.
      void presence.unheard().then((replicas) => {
        if (replicas.length === 0) return;
        logger.warn(
          { replicas, subjectPrefix: config.cluster?.subjectPrefix },
          'other replicas beat in this database but do not answer over NATS: they use another MCPD_NATS_URL or MCPD_NATS_SUBJECT_PREFIX (unless they run an older release or have just stopped), and workstations held by them cannot be reached from here; give every replica the same two',
        );
      }, (error: unknown) => logger.warn({ err: error }, 'could not check that the other replicas answer over NATS'));
      services.userLoad?.start();
      services.dispatchLoad?.start();
      services.sharedSlots?.start();
    }
    const sweep = await services.startupSweep.run(services.providerSessions.connectedSessionIds(), bus !== undefined);
    const swept = sweepLine(sweep, config.reconnectGraceMs / 1000);
    if (swept) logger.info({ markedInactive: sweep.markedInactive, publishersExpected: sweep.expected, graceSeconds: config.reconnectGraceMs / 1000 }, swept);
    await app.listen({ host: config.host, port: config.port }).catch((error: unknown) => {
      throw listenError(config.host, config.port, error);
    });
  } catch (error) {
    // Nothing of a start that failed keeps running: not the bus, the beat or the port.
    services.userLoad?.stop();
    services.dispatchLoad?.stop();
    await services.sharedSlots?.stop();
    await services.presence?.stop().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    await services.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  // Among replicas, the bus it joined: replicas must share it (a typo in one is the first thing to look for).
  const cluster = config.cluster && { nats: config.cluster.natsUrl.split(',').map(redactNatsUrl).join(','), subjectPrefix: config.cluster.subjectPrefix };
  logger.info({ url, dashboard: `${url}/ui/`, database: database.driver, instanceId: services.instanceId, replicaId: bus?.replicaId, ...cluster }, 'mcpd listening');

  const stopGc = every(clock, config.gcIntervalMs, () =>
    services.gc.runOnce().catch((error: unknown) => logFailure(logger, error, 'lifecycle GC failed')),
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      if (config.shutdownDelayMs > 0) {
        // Not ready, still serving: a balancer that probes `/readyz` stops sending new connections
        // here meanwhile, so none is waiting unaccepted (and reset) when the listener closes.
        services.shutdown.leave();
        logger.info({ delayMs: config.shutdownDelayMs }, 'not ready any more; draining after the shutdown delay');
        await clock.sleep(config.shutdownDelayMs);
      }
      stopGc();
      accessWhileBusLost.stop();
      services.shutdown.begin();
      // Dashboards are no work to finish: their streams end now, and their pages connect elsewhere.
      services.live.closeAll();
      let moved: Promise<void> = Promise.resolve();
      if (bus) {
        // A rolling restart: new connections go to the replicas that stay; those already here are
        // served, each closed after its answer; publishers move over without failing a task.
        stopAccepting(app);
        const publishers = services.hub.sessionIds().length;
        if (publishers > 0) {
          // The stop waits on them: said, so a replica that takes seconds to stop is not taken for a hung one.
          logger.info(
            { publishers, waitSeconds: config.shutdownDeadlineMs / 1000 },
            "moving this replica's publishers to the replicas that stay: the stop waits for each to connect to one (up to the shutdown deadline; with no other replica up, that long)",
          );
        }
        moved = services.providerSessions.moveAway((sessionId, channel) => services.router.moveAway(sessionId, channel, config.shutdownDeadlineMs));
        // Awaited after the callers' answers; a failure meanwhile must not crash the process.
        moved.catch(() => undefined);
      } else {
        services.inference.releaseQueued();
      }
      const deadline = clock.monotonic() + config.shutdownDeadlineMs;
      let cut = false;
      const answered = async () => {
        if (!cut && (await services.inference.drained(Math.max(0, deadline - clock.monotonic())))) return;
        if (!cut) logger.warn({ inFlight: services.inference.inFlight }, 'shutdown deadline reached; ending the answers still running');
        cut = true;
        // Past the deadline, whatever is still running (or began since) ends at once.
        services.inference.cutAll();
        await services.inference.drained(CUT_SETTLE_MS);
      };
      try {
        // Still listening: publishers post results and heartbeats for the work in flight, on
        // kept-alive connections or new ones, until that work ends.
        await answered();
        await moved;
        await services.providerSessions.disconnectAll().catch((error: unknown) => {
          logger.error({ err: error }, 'marking the sessions of this process inactive failed');
        });
        // A request whose connection came just before the listener closed may have reached its
        // answer after the first look (or while the publishers moved): it is answered too, not cut.
        await answered();
        // Other requests still being handled (a usage view, a registry write waiting for the
        // database) are answered before the listener, and then the database, close.
        await untilHandled(answering, Math.max(0, deadline - clock.monotonic()));
        await closeListener(app, clock, connections, answering);
      } finally {
        services.userLoad?.stop();
        services.dispatchLoad?.stop();
        await services.sharedSlots?.stop();
        await services.presence?.stop().catch((error: unknown) => logger.error({ err: error }, 'removing this replica failed'));
        await bus?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the NATS connection failed'));
        await services.close();
        await loneLock?.release().catch((error: unknown) => logger.error({ err: error }, 'letting go of the lone-process lock failed'));
        try {
          if (!options.database) await database.close();
        } finally {
          // A database that could not close still lets go of its directory for the next start.
          await lock?.release();
        }
      }
    })();
    return closing;
  };
  return { app, services, url, close };
}

/** What the lone-process lock says after the start goes to the log. */
function loneLockEvents(logger: Logger): LoneProcessLockEvents {
  return {
    lost: (error) =>
      logger.error({ err: error }, 'lost the database connection holding the lone-process lock: until it is taken again, another mcpd without MCPD_NATS_URL could start on this database; retrying every 5 s'),
    retaken: () => logger.info('took the lone-process lock again: another mcpd without MCPD_NATS_URL is refused again'),
    takenByAnother: (refusal) =>
      logger.error({ reason: refusal.message }, 'another mcpd took this database while the lone-process lock was lost: both now hold streams the other cannot reach; stop one of them'),
  };
}

/**
 * Stops taking connections and nothing more: unlike `server.close()`, connections idle between
 * two requests stay open, since a client may be sending its next request on one right now.
 */
function stopAccepting(app: FastifyInstance): void {
  net.Server.prototype.close.call(app.server);
}

/** Waits, up to `withinMs` of real time, until every request received has its answer ended. */
function untilHandled(answering: ReadonlySet<ServerResponse>, withinMs: number): Promise<void> {
  return pollUntil(() => ![...answering].some((response) => !response.writableEnded), withinMs);
}

/** Looks every `WRITTEN_POLL_MS` until `done` or `withinMs` of real time pass: these waits are on sockets, not on a rule of the product. */
async function pollUntil(done: () => boolean, withinMs: number): Promise<void> {
  const until = performance.now() + withinMs;
  while (performance.now() < until && !done()) await new Promise((resolve) => setTimeout(resolve, WRITTEN_POLL_MS));
}

/**
 * Stops listening; a connection still busy after a short settle is cut rather than waited for.
 * First the answers under way are written whole and leave their sockets: closing a connection
 * destroys what its socket still holds, and a slow reader would find the end of its answer missing.
 */
async function closeListener(
  app: FastifyInstance,
  clock: Clock,
  connections: ReadonlySet<net.Socket>,
  answering: ReadonlySet<ServerResponse>,
): Promise<void> {
  const busy = () =>
    [...answering].some((response) => response.writableEnded && !response.writableFinished) ||
    [...connections].some((socket) => !socket.destroyed && socket.writableLength > 0);
  await pollUntil(() => !busy(), WRITTEN_MS);
  const stopped = app.close();
  const cancelCut = clock.after(CONNECTION_SETTLE_MS, () => app.server.closeAllConnections());
  try {
    await stopped;
  } finally {
    cancelCut();
  }
}
