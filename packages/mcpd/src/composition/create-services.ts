import type { ProviderTransport } from '@mcpctl/protocol';
import { describeDatabaseFailure, type DatabaseHandle } from '@mcpctl/db';
import { Agent } from 'undici';
import type { Logger } from 'pino';
import type { Clock } from '@mcpctl/clock';
import { DEFAULT_BODY_LIMIT_BYTES } from '../config.js';
import { logFailure } from '../errors.js';
import { Dispatcher, maxQueuedPerUser, type DispatchOptions } from '../dispatch/dispatcher.js';
import { InFlightTracker } from '../dispatch/in-flight-tracker.js';
import { WakeCoordinator, type WakeOptions } from '../dispatch/wake-coordinator.js';
import { InferenceFailureLog } from '../services/inference-failure-log.js';
import { RecentRevocations } from '../services/recent-revocations.js';
import { InferenceService } from '../services/inference-service.js';
import { PublicUpstream } from '../inference/public-upstream.js';
import { ReconnectGrace } from '../dispatch/reconnect-grace.js';
import { ProviderHub } from '../relay/provider-hub.js';
import { RelayService } from '../relay/relay-service.js';
import { TaskRegistry } from '../relay/task-registry.js';
import { TaskRouter } from '../relay/task-router.js';
import type { AccessChange, RelayBus, RelayBusHandlers } from '../relay/relay-bus.js';
import { ReplicaRepository } from '../repositories/replica-repository.js';
import { PRESENCE_TIMING, ReplicaPresence, type PresenceTiming } from '../services/replica-presence.js';
import { UserLoadExchange } from '../services/user-load-exchange.js';
import { DispatchLoadExchange } from '../services/dispatch-load-exchange.js';
import { SHARED_SLOT_TIMING, SharedLlmSlots } from '../dispatch/shared-llm-slots.js';
import { SlotClaimRepository } from '../repositories/slot-claim-repository.js';
import { ProviderSessionRepository } from '../repositories/provider-session-repository.js';
import { LifecycleGc, type LifecycleDurations } from '../services/lifecycle-gc.js';
import { ProviderRegisterService } from '../services/provider-register-service.js';
import { ProviderSessionService } from '../services/provider-session-service.js';
import { ShutdownGate } from '../services/shutdown-gate.js';
import { StartupSweep } from '../services/startup-sweep.js';
import { McpdMetrics } from '../metrics.js';
import { AuditRepository } from '../repositories/audit-repository.js';
import { LlmRepository } from '../repositories/llm-repository.js';
import { RoleBindingRepository } from '../repositories/role-binding-repository.js';
import { TokenRepository } from '../repositories/token-repository.js';
import { SecretBox } from '../security/secret-box.js';
import { AuditService } from '../services/audit-service.js';
import { AuditWriter } from '../services/audit-writer.js';
import { AuthService } from '../services/auth-service.js';
import { LlmCatalog } from '../catalog/llm-catalog.js';
import { LiveState } from '../services/live-state.js';
import { liveCounters } from '../services/live-counters.js';
import { LlmService } from '../services/llm-service.js';
import { PoolService } from '../services/pool-service.js';
import { AgentRepository } from '../repositories/agent-repository.js';
import { ThreadRepository } from '../repositories/thread-repository.js';
import { AgentChatService } from '../services/agent-chat-service.js';
import { AgentService } from '../services/agent-service.js';
import { ModelListService } from '../services/model-list-service.js';
import { ModelResolver } from '../services/model-resolver.js';
import { NamespaceGuard } from '../services/namespace-guard.js';
import { ThreadService } from '../services/thread-service.js';
import { UserRepository } from '../repositories/user-repository.js';
import type { FailedAuthLimits } from '../security/failed-auth-limiter.js';
import { DEFAULT_PER_USER_CAPS, type PerUserCaps } from '../security/per-user-caps.js';
import { PerUserLimit } from '../security/per-user-limit.js';
import { RoleBindingService } from '../services/role-binding-service.js';
import { TokenService } from '../services/token-service.js';
import { UserService } from '../services/user-service.js';
import type { Services } from '../services/services.js';
import { HopGuard } from '../inference/hop-guard.js';
import { UpstreamAddressGuard, type ResolveHost } from '../security/upstream-address-guard.js';
import { generateId } from '../security/token.js';
import { AdminLookup } from '../services/admin-lookup.js';
import { MetricsAccess } from '../services/metrics-access.js';
import { UpstreamUrlPolicy } from '../services/upstream-url-policy.js';
import { sessionRef } from '../services/llm-view.js';

/** Why the control connections of a deleted user's sessions end, as their publishers are told. */
const USER_DELETED = 'its user was deleted';

/** The largest answer mcpd takes from a publisher or a public upstream, unless configured. */
const DEFAULT_MAX_RESULT_BYTES = 32 * 1024 * 1024;
/**
 * What may wait for a publisher that stopped reading its connection: enough for bursts of
 * tasks to a slow link, bounded so that a publisher that reads nothing cannot hold mcpd's memory.
 */
const MIN_CONTROL_BACKLOG_BYTES = 64 * 1024 * 1024;
const CONTROL_BACKLOG_BODIES = 4;

export interface ServiceOptions {
  database: DatabaseHandle;
  secretKey: string;
  clock: Clock;
  logger: Logger;
  upstreamHeadersTimeoutMs: number;
  upstreamIdleTimeoutMs: number;
  /** Longest wait for a publisher's first result to a relayed task. */
  relayTimeoutMs: number;
  lifecycle: LifecycleDurations;
  /** After a start, how long requests for recently connected publishers wait for them. */
  reconnectGraceMs?: number;
  pingIntervalMs: number;
  /** `: waiting` comments to a streaming caller whose answer has not started (default 15 s). */
  streamKeepaliveMs?: number;
  /** Largest result post a publisher may send, and largest answer or stream frame a public upstream may (default 32 MiB). */
  maxResultBytes?: number;
  /** Serve and advertise the provider socket (default true). */
  providerSocket?: boolean;
  /** The largest request body (a task carries one): what may wait for a publisher that does not read is bounded by it. */
  bodyLimitBytes?: number;
  /** Bytes of a relayed task's chunks that may wait for a slow caller before the task fails (default 8 MiB). */
  relayTaskBufferBytes?: number;
  dispatch: DispatchOptions;
  wake: WakeOptions;
  /** How long a verified token or a resolved LLM is trusted without the database. */
  cacheMs?: number;
  auditFlushIntervalMs?: number;
  processMetrics?: boolean;
  /** Failed authentications per source address before 429 (default 20 a minute). */
  failedAuth?: FailedAuthLimits;
  /** Open control streams per user (default 16). */
  maxControlStreamsPerUser?: number;
  /** Event streams (`GET /api/v1/events`) one user may hold open. Default 8. */
  maxEventStreamsPerUser?: number;
  /** Result posts in flight per user (default 256). */
  maxResultPostsPerUser?: number;
  /** A bearer token that may read `/metrics` and nothing else (MCPD_METRICS_TOKEN). */
  metricsToken?: string | undefined;
  /** Names this process in the hop header; random per start unless given. */
  instanceId?: string;
  /** Among replicas (MCPD_NATS_URL): what carries tasks, results and news between them. Not started here. */
  bus?: RelayBus | undefined;
  /** Among replicas: how often liveness is beaten and when a silent replica counts as dead. */
  presenceTiming?: PresenceTiming;
  /** How upstream host names are resolved for the address checks (the system resolver unless given). */
  resolveHost?: ResolveHost;
  /** Inference requests in flight and stored rows per user (defaults in `DEFAULT_PER_USER_CAPS`). */
  perUser?: PerUserCaps;
}

export interface RunningServices extends Services {
  /** The whole handle, for the server that closes it and for tests; routes see only its probe. */
  database: DatabaseHandle;
  /** Among replicas: the bus, and the liveness that keeps status true; undefined for one process alone. */
  bus: RelayBus | undefined;
  /** What this replica does with the bus's messages. */
  busHandlers: RelayBusHandlers;
  presence: ReplicaPresence | undefined;
  /** Among replicas: the per-user caps' shares, told and heard every second. */
  userLoad: UserLoadExchange | undefined;
  /** Among replicas: what each dispatcher holds (in flight, queued), told every second for the live counters. */
  dispatchLoad: DispatchLoadExchange | undefined;
  /** Among replicas: `maxConcurrent` of public LLMs, kept in the database. */
  sharedSlots: SharedLlmSlots | undefined;
  /** Flushes the audit and closes upstream connections; the database stays open. */
  close(): Promise<void>;
}

export function createServices(options: ServiceOptions): RunningServices {
  const { db } = options.database;
  const perUser = options.perUser ?? DEFAULT_PER_USER_CAPS;
  const cacheMs = options.cacheMs ?? 2000;
  const secrets = new SecretBox(options.secretKey);
  const metrics = new McpdMetrics({ processMetrics: options.processMetrics ?? false });
  const llmRepository = new LlmRepository(db);
  const auditRepository = new AuditRepository(db, options.database.copyRows, options.bus?.replicaId);
  const catalog = new LlmCatalog(llmRepository, secrets, options.clock, cacheMs);
  const auditWriter = new AuditWriter(auditRepository, {
    clock: options.clock,
    flushIntervalMs: options.auditFlushIntervalMs ?? 250,
    // The embedded database takes statements one at a time on its thread: a batch holds it while
    // it is written (about 6 ms for 500 rows with COPY), so a dashboard query waits behind it, and
    // each statement costs a fixed half millisecond besides its rows. 500 keeps the hold short and
    // the statements few; below 2,000 requests a second the 250 ms flush comes first.
    maxBatch: 500,
    onError: (error, lost, who) => {
      metrics.auditDropped.inc(lost);
      // The driver's words: a failed query's own error repeats the statement and the records' values.
      options.logger.error({ reason: describeDatabaseFailure(error), lost, records: who.slice(0, 20) }, 'audit records could not be stored');
    },
    onHeld: (error, held) => {
      options.logger.warn({ reason: describeDatabaseFailure(error), held }, 'the database is unreachable: audit records are kept in memory and stored once it answers (tried every 5 s)');
    },
  });
  // One connection pool per upstream origin, kept alive between requests.
  const upstreamAgent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  // LLMs of non-admins get pools of their own whose connections check every address they open to.
  const addressGuard = new UpstreamAddressGuard(options.resolveHost);
  const guardedUpstreamAgent = new Agent({ keepAliveTimeout: 30_000, connections: 256, connect: { lookup: addressGuard.lookup } });
  const admins = new AdminLookup(new UserRepository(db), new RoleBindingRepository(db), options.clock, cacheMs);
  const hops = new HopGuard(options.instanceId ?? generateId('mcpd-'));
  const hub = new ProviderHub();
  const { bus } = options;
  const tasks = new TaskRegistry(bus?.replicaId);
  const reconnectGraceMs = options.reconnectGraceMs ?? 15_000;
  const router = new TaskRouter(hub, tasks, bus, options.clock, reconnectGraceMs, Math.max(options.relayTimeoutMs, options.upstreamIdleTimeoutMs));
  const publicUpstream = new PublicUpstream({
    dispatcher: upstreamAgent,
    guardedDispatcher: guardedUpstreamAgent,
    guard: addressGuard,
    ownerIsAdmin: (ownerId) => admins.isAdmin(ownerId),
    hops,
    headersTimeoutMs: options.upstreamHeadersTimeoutMs,
    idleTimeoutMs: options.upstreamIdleTimeoutMs,
    maxAnswerBytes: options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
    clock: options.clock,
  });
  const relay = new RelayService(router, tasks, options.clock, {
    firstResultTimeoutMs: options.relayTimeoutMs,
    idleTimeoutMs: options.upstreamIdleTimeoutMs,
    taskBufferBytes: options.relayTaskBufferBytes ?? 8 * 1024 * 1024,
  });
  const inFlight = new InFlightTracker();
  const wakes = new WakeCoordinator(router, tasks, llmRepository, catalog, options.clock, options.wake);
  const grace = new ReconnectGrace(options.clock, reconnectGraceMs);
  const sharedSlots = bus
    ? new SharedLlmSlots(
        new SlotClaimRepository(db),
        bus,
        options.clock,
        { ...SHARED_SLOT_TIMING, ...options.dispatch, maxQueuedPerUser: maxQueuedPerUser(options.dispatch) },
        (error) => logFailure(options.logger, error, 'keeping the slots of public LLMs among replicas failed'),
      )
    : undefined;
  const dispatcher = new Dispatcher(catalog, router, inFlight, wakes, grace, options.clock, options.dispatch, sharedSlots);
  const shutdown = new ShutdownGate(bus !== undefined);
  const inferenceFailures = new InferenceFailureLog(options.logger, options.clock);
  const revocations = new RecentRevocations();
  const inference = new InferenceService(dispatcher, { public: publicUpstream, virtual: relay }, auditWriter, metrics, shutdown, hops, {
    revocations,
    clock: options.clock,
    streamKeepaliveMs: options.streamKeepaliveMs ?? 15_000,
    failures: inferenceFailures,
  });
  metrics.observeState({
    queued: () => dispatcher.queuedTotal(),
    connectedSessions: () => hub.size,
    llmCounts: () => llmRepository.countByKindAndStatus(),
    nameExists: async (name) => (await catalog.find(name)) !== undefined || (await catalog.findPool(name)).length > 0,
  });
  // Among replicas the views of LLMs and pools count every replica's requests (within about a second).
  const dispatchLoad = bus ? new DispatchLoadExchange(dispatcher, bus, options.clock) : undefined;
  const counters = dispatchLoad?.counters ?? dispatcher;
  const pools = new PoolService(llmRepository, counters);
  const sessionRepository = new ProviderSessionRepository(db);
  const agentRepository = new AgentRepository(db);
  const userRepository = new UserRepository(db);
  const providerSessions = new ProviderSessionService(
    sessionRepository,
    llmRepository,
    agentRepository,
    hub,
    tasks,
    catalog,
    options.clock,
    revocations,
    bus?.replicaId ?? hops.instanceId,
    bus,
  );
  // A change made here reaches the other replicas' caches at once, not after their TTL.
  if (bus) catalog.onChange((origin) => origin === 'here' && bus.catalogChanged());
  const limits = {
    controlStreams: new PerUserLimit(options.maxControlStreamsPerUser ?? 16),
    resultPosts: new PerUserLimit(options.maxResultPostsPerUser ?? 256),
    inference: new PerUserLimit(perUser.inferenceRequests),
    // A dashboard tab each: a few per person, not a way to make mcpd compute views in a loop.
    eventStreams: new PerUserLimit(options.maxEventStreamsPerUser ?? 8),
  };
  // Among replicas each cap counts every replica's share (within about a second).
  const userLoad = bus ? new UserLoadExchange(limits, bus, options.clock) : undefined;
  const namespace = new NamespaceGuard(db);
  const agentService = new AgentService(agentRepository, llmRepository, options.clock, namespace, () => catalog.invalidate(), perUser.agents);
  const threadService = new ThreadService(new ThreadRepository(db), options.clock, perUser.threads);
  const auth = new AuthService(new TokenRepository(db), new RoleBindingRepository(db), options.clock, {
    cacheMs,
    ...(options.failedAuth ? { failedAuth: options.failedAuth } : {}),
  });
  const forgetAccessHere = (change: AccessChange = {}) => {
    // The calls running with a revoked token or by a deleted user end with it, and any still on their way.
    revocations.record(change);
    inference.cutRevoked();
    // `live` is declared below; this is only ever called once everything is built.
    live.accessChanged();
    auth.forgetAll();
    admins.forgetAll();
    catalog.invalidate();
    // A revoked token's connections end by `tokenRevoked`; any other change may have taken a
    // grant away, so the control connections held here are checked again.
    if (change.tokenId !== undefined) return;
    providerSessions.accessChanged((authorization) => auth.reauthenticate(authorization, { fresh: true })).then(
      (ended) => {
        if (ended.length > 0) options.logger.info({ sessions: ended.map(sessionRef) }, `ended ${ended.length} control connection(s) whose token or grants no longer let them publish`);
      },
      (error: unknown) => options.logger.error({ err: error }, 'checking the control connections again after an access change failed'),
    );
  };
  // Other replicas drop their cached grants at once too, rather than when their cache expires.
  const forgetAccess = (change: AccessChange = {}) => {
    forgetAccessHere(change);
    bus?.accessChanged(change);
  };
  const llmService = new LlmService(
    llmRepository,
    catalog,
    secrets,
    options.clock,
    pools,
    namespace,
    // Among replicas, a session held elsewhere is read from the database.
    async (sessionIds) => {
      const elsewhere = bus ? await sessionRepository.transportsOf(sessionIds.filter((sessionId) => !hub.channel(sessionId))) : new Map<string, ProviderTransport>();
      return (sessionId) => hub.channel(sessionId)?.transport ?? elsewhere.get(sessionId);
    },
    new UpstreamUrlPolicy(addressGuard, admins),
    counters,
    perUser.llms,
  );
  const live = new LiveState(
    {
      principal: (authorization) => auth.reauthenticate(authorization),
      read: async (principal) => {
        const [llms, poolViews, agents, sessions, user] = await Promise.all([
          llmService.list(principal),
          pools.list(principal),
          agentService.list(principal),
          providerSessions.list(principal),
          userRepository.findById(principal.userId),
        ]);
        return {
          access: { id: principal.userId, name: principal.userName, admin: principal.admin, role: user?.role ?? null, grants: principal.permissions.describe() },
          llms: llms.map((view) => ({ ...view, inFlight: 0, queued: 0, mayRun: principal.can('run', 'llms', view) })),
          pools: poolViews,
          agents: agents.map((view) => ({ ...view, mayRun: principal.can('run', 'agents', view) })),
          sessions,
        };
      },
      withCounters: (data) => liveCounters(data, counters, pools),
      onChange: (listener) => catalog.onChange(listener),
    },
    options.clock,
    (error) => logFailure(options.logger, error, 'reading the state for event streams failed'),
  );
  return {
    database: options.database,
    clock: options.clock,
    auth,
    llms: llmService,
    inference,
    pools,
    agents: agentService,
    agentChat: new AgentChatService(agentService, threadService, inference, catalog, grace),
    threads: threadService,
    models: new ModelResolver(catalog, agentRepository, options.clock, cacheMs),
    modelList: new ModelListService(llmService, agentService, pools),
    audit: new AuditService(auditRepository, new UserRepository(db), auditWriter, options.clock),
    metrics,
    metricsAccess: new MetricsAccess(auth, options.metricsToken),
    instanceId: hops.instanceId,
    providers: new ProviderRegisterService(db, options.clock, () => catalog.invalidate(), perUser),
    providerSessions,
    hub,
    tasks,
    router,
    bus,
    busHandlers: router.handlers({
      sessionAttached: (sessionId) => providerSessions.takenOver(sessionId),
      catalogChanged: () => catalog.invalidate('elsewhere'),
      userLoad: (load) => userLoad?.reported(load),
      dispatchLoad: (load) => dispatchLoad?.reported(load),
      slotsFreed: (llmId) => sharedSlots?.freed(llmId),
      accessChanged: ({ tokenId, sessionIds = [], userIds }) => {
        forgetAccessHere({ tokenId, userIds });
        const ended = [...(tokenId ? [providerSessions.tokenRevoked(tokenId)] : []), ...sessionIds.map((sessionId) => providerSessions.disconnect(sessionId, 'sessionGone', USER_DELETED))];
        Promise.all(ended).catch((error: unknown) => options.logger.error({ err: error }, 'ending connections after another replica revoked access failed'));
      },
    }),
    presence: bus
      ? new ReplicaPresence(
          new ReplicaRepository(db),
          llmRepository,
          agentRepository,
          tasks,
          catalog,
          bus,
          {
            holds: (sessionId) => providerSessions.holds(sessionId),
            // Taken for dead while alive: the claims of its running requests count again too.
            reclaim: async (sessionIds) => {
              await sharedSlots?.restore();
              return providerSessions.reclaim(sessionIds);
            },
          },
          grace,
          options.clock,
          options.presenceTiming ?? PRESENCE_TIMING,
          (error) => logFailure(options.logger, error, 'replica liveness failed'),
        )
      : undefined,
    gc: new LifecycleGc(db, catalog, providerSessions, options.clock, options.lifecycle, { clustered: options.bus !== undefined }),
    startupSweep: new StartupSweep(llmRepository, agentRepository, sessionRepository, grace, catalog, options.clock, options.lifecycle.heartbeatTimeoutMs, {
      repository: new ReplicaRepository(db),
      staleMs: (options.presenceTiming ?? PRESENCE_TIMING).staleMs,
    }),
    reconnectGrace: grace,
    shutdown,
    recheckAccess: () => forgetAccessHere(),
    users: new UserService(db, options.clock, {
      accessChanged: forgetAccess,
      // Closed the way a dropped stream is, so their tasks fail now rather than when the socket notices.
      sessionsRemoved: (sessionIds) => {
        bus?.accessChanged({ sessionIds });
        return Promise.all(sessionIds.map((sessionId) => providerSessions.disconnect(sessionId, 'sessionGone', USER_DELETED))).then(() => undefined);
      },
    }),
    tokens: new TokenService(
      db,
      options.clock,
      (tokenId) => {
        forgetAccess({ tokenId });
        return providerSessions.tokenRevoked(tokenId);
      },
      perUser.tokens,
    ),
    roleBindings: new RoleBindingService(db, options.clock, forgetAccess),
    limits,
    userLoad,
    dispatchLoad,
    sharedSlots,
    pingIntervalMs: options.pingIntervalMs,
    maxResultBytes: options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
    providerSocket: options.providerSocket ?? true,
    controlBacklogBytes: Math.max(MIN_CONTROL_BACKLOG_BYTES, CONTROL_BACKLOG_BODIES * (options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES)),
    startedAt: options.clock.now(),
    auditWriter,
    live,
    close: async () => {
      live.closeAll();
      await auditWriter.close();
      inferenceFailures.close();
      await Promise.all([upstreamAgent.close(), guardedUpstreamAgent.close()]);
    },
  };
}
