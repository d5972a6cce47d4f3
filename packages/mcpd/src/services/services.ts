import type { Clock } from '@mcpctl/clock';
import type { DatabaseHandle } from '@mcpctl/db';
import type { InferenceService } from './inference-service.js';
import type { McpdMetrics } from '../metrics.js';
import type { AuditService } from './audit-service.js';
import type { AuditWriter } from './audit-writer.js';
import type { AuthService } from './auth-service.js';
import type { LlmService } from './llm-service.js';
import type { PoolService } from './pool-service.js';
import type { AgentChatService } from './agent-chat-service.js';
import type { AgentService } from './agent-service.js';
import type { ModelResolver } from './model-resolver.js';
import type { ModelListService } from './model-list-service.js';
import type { ThreadService } from './thread-service.js';
import type { ProviderRegisterService } from './provider-register-service.js';
import type { ProviderSessionService } from './provider-session-service.js';
import type { ProviderHub } from '../relay/provider-hub.js';
import type { ReplicaPresence } from './replica-presence.js';
import type { TaskRouter } from '../relay/task-router.js';
import type { TaskRegistry } from '../relay/task-registry.js';
import type { LifecycleGc } from './lifecycle-gc.js';
import type { ReconnectGrace } from '../dispatch/reconnect-grace.js';
import type { ShutdownGate } from './shutdown-gate.js';
import type { StartupSweep } from './startup-sweep.js';
import type { PerUserLimit } from '../security/per-user-limit.js';
import type { RoleBindingService } from './role-binding-service.js';
import type { TokenService } from './token-service.js';
import type { UserService } from './user-service.js';
import type { MetricsAccess } from './metrics-access.js';
import type { LiveState } from './live-state.js';

/** What the routes may know of the database: which driver, and whether it answers. */
export type DatabaseProbe = Pick<DatabaseHandle, 'driver' | 'ping'>;

/** Everything the routes call, built once by `createServices`. */
export interface Services {
  database: DatabaseProbe;
  /** The one clock every service was built with; routes read time from it too. */
  clock: Clock;
  auth: AuthService;
  llms: LlmService;
  inference: InferenceService;
  pools: PoolService;
  agents: AgentService;
  agentChat: AgentChatService;
  threads: ThreadService;
  models: ModelResolver;
  /** `GET /v1/models`. */
  modelList: ModelListService;
  audit: AuditService;
  auditWriter: AuditWriter;
  metrics: McpdMetrics;
  /** Who may read `/metrics`: admins and the scrape token. */
  metricsAccess: MetricsAccess;
  /** This process in the hop header (`x-mcpctl-hop`). */
  instanceId: string;
  providers: ProviderRegisterService;
  providerSessions: ProviderSessionService;
  hub: ProviderHub;
  tasks: TaskRegistry;
  /** Where a task or result goes: here, or over the bus to the replica that has it. */
  router: TaskRouter;
  /** Among replicas: which are alive, for `GET /api/v1/status`; undefined for one process alone. */
  presence: Pick<ReplicaPresence, 'replicasAlive'> | undefined;
  gc: LifecycleGc;
  /** Run once at start, before listening: rows without a stream here go inactive. */
  startupSweep: StartupSweep;
  reconnectGrace: ReconnectGrace;
  /** Set when a shutdown begins: new work is refused while work in flight drains. */
  shutdown: ShutdownGate;
  /**
   * Access may have changed unheard (this replica lost NATS, over which the others tell of
   * changes): cached grants are dropped and the control connections held here checked again.
   */
  recheckAccess(): void;
  users: UserService;
  tokens: TokenService;
  roleBindings: RoleBindingService;
  /** Per-user caps on open control streams, in-flight result posts and inference requests. */
  limits: { controlStreams: PerUserLimit; resultPosts: PerUserLimit; inference: PerUserLimit; eventStreams: PerUserLimit };
  /** What `GET /api/v1/events` streams. */
  live: LiveState;
  /** Interval of `: ping` comments on control streams. */
  pingIntervalMs: number;
  /** Largest body of a result post: a relayed whole answer or one chunk, as large as a public LLM's. */
  maxResultBytes: number;
  /** Whether the provider socket is served and advertised (MCPD_PROVIDER_SOCKET). */
  providerSocket: boolean;
  /** Bytes of tasks that may wait for a publisher that does not read its connection before it is cut. */
  controlBacklogBytes: number;
  startedAt: Date;
}
