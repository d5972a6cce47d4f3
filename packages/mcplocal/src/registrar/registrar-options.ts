import type { ManagedServer } from '../managed/managed-server.js';
import type { Cancel, Clock } from '@mcpctl/clock';
import type { LlmTier, LlmType, PublishedAgent, TokenOwner, Visibility, WakeRecipe } from '@mcpctl/protocol';
import type { LlmProvider } from '../providers/llm-provider.js';
import type { ControlChannel } from './control-channel.js';
import type { ProviderSlots } from './provider-slots.js';
import type { WakeHandler } from './wake-handler.js';

/**
 * Where the registrar's lines go. Only these three methods are ever called, each with one
 * line of text, so a pino logger and a plain test object both fit. No line carries the token
 * or the session id.
 */
export interface RegistrarLog {
  /** Per-request detail, such as a task that ended well; optional, since callers may not want it. */
  debug?(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** One local provider as mcpd will see it. */
export interface ProviderToPublish {
  provider: LlmProvider;
  /**
   * The local server's base URL, when there is one. It never leaves the workstation: failures
   * relayed to mcpd name the provider, and this URL's host is masked in them like any address.
   */
  url?: string | undefined;
  /** The local server's key; it never leaves the workstation, and is masked in relayed failures. */
  apiKey?: string | undefined;
  /** The wire dialect mcpd records for the row. */
  type: LlmType;
  model: string;
  tier?: LlmTier | undefined;
  description?: string | undefined;
  poolName?: string | undefined;
  /** The name the row gets in mcpd and tasks arrive under; default `provider.name`. */
  publishName?: string | undefined;
  /** Applies only when mcpd creates the row; an existing row keeps the visibility its owner set. */
  visibility?: Visibility | undefined;
  /** How to bring the backend up when mcpd sends a `wake` task. */
  wake?: WakeRecipe | undefined;
  /** Set for a managed entry: the server mcplocal runs, started by a wake or a request. */
  managed?: ManagedServer | undefined;
  maxConcurrent?: number | undefined;
}

/**
 * The credentials the channel presents, when they can change under it (`LiveCredentials` in
 * mcplocal: `mcpctl login` writes a new token). The registrar never sees the token: it asks for a
 * fresh read before each attempt that follows a refused token, and a change ends the wait before it.
 */
export interface RefreshableCredentials {
  /** Counts the changes: an attempt refused under an older count was refused a token no longer held. */
  readonly generation: number;
  /** Reads the credentials again; never rejects. */
  reload(): Promise<void>;
  /** Calls `listener` at each change; the answer stops that. */
  onChange(listener: () => void): Cancel;
}

/**
 * Credentials whose token the provider session holds on to (`PublisherCredentials` in mcplocal):
 * the channel presents the token the session registered with until the registrar adopts the one
 * read since, which it does at the next registration, or at once when mcpd says the new token is
 * the same user's; a token mcpd refused is adopted only once mcpd refuses the session's own as
 * well. A login as another user thus never half-switches a running session. The registrar still
 * never sees a token.
 */
export interface SessionCredentials extends RefreshableCredentials {
  /** The generation of the token the channel presents. */
  readonly presentedGeneration: number;
  /** The channel presents the token read last, from its next request on. */
  adopt(): void;
  /**
   * Whose a token is, as mcpd says: the one the channel presents, or the one read last;
   * `undefined` when mcpd's answer names no user. Rejects as the channel's calls do: a token mcpd
   * does not take is an `McpdHttpError` with status 401, an mcpd that cannot answer now one with
   * a 5xx, and an mcpd not reached or too slow an `McplocalError`.
   */
  ownerOf(token: 'presented' | 'read', signal: AbortSignal): Promise<TokenOwner | undefined>;
}

export interface VirtualLlmRegistrarOptions {
  /**
   * How the registrar reaches mcpd: `NegotiatedControlChannel` (the provider socket or SSE + POST) in mcplocal, an in-memory
   * pair in tests. Its address and token are the channel's; the registrar knows neither.
   */
  channel: ControlChannel;
  /** The heartbeat interval, the reconnect delays, how long a stream was up, and task timestamps. Default: the system clock. */
  clock?: Clock | undefined;
  publishedProviders: ProviderToPublish[];
  /** Agents registered alongside the providers, as the register payload carries them. */
  publishedAgents?: PublishedAgent[] | undefined;
  /** The file that keeps the provider session id across restarts, so a restart re-adopts the same rows. */
  sessionFilePath: string;
  log: RegistrarLog;
  /** Default 30 000: mcpd marks rows inactive after 90 s without one. */
  heartbeatIntervalMs?: number | undefined;
  /**
   * First delay after a failed attempt to reach the control stream; it doubles with each further
   * failure. The first attempt after a stream that was up ended comes within a second. Default 5 000.
   */
  reconnectBaseMs?: number | undefined;
  /** Ceiling of the doubling reconnect delay. Default 60 000. */
  reconnectMaxMs?: number | undefined;
  /** The jitter of reconnect delays, in [0, 1). Default `Math.random`. */
  random?: (() => number) | undefined;
  /**
   * The credentials the channel presents, read again after mcpd refused the token (401); new ones
   * end the reconnect wait. Without them a refused token is retried as it is, at the backoff's pace.
   * `SessionCredentials` let the registrar tell a new token of the session's user (nothing changes)
   * from one of another user (the session ends and registers afresh as that user).
   */
  credentials?: RefreshableCredentials | SessionCredentials | undefined;
  /**
   * When the session ends to register afresh with a new token, how long the tasks it runs may
   * go on finishing first; new ones are refused meanwhile, with a `Retry-After` of the time left.
   * Default 30 000.
   */
  reregisterDrainMs?: number | undefined;
  /** Runs `wake` tasks. Default: a `RecipeWakeHandler`, running each provider's `wake` recipe. */
  wakeHandler?: WakeHandler | undefined;
  /** What a refused token's lines say to do (`loginHintFor` the home). Default: names `$MCPCTL_HOME/credentials`. */
  loginHint?: string | undefined;
  /** The providers' turns under `maxConcurrent`, shared with the local endpoint. Default: the tasks' own. */
  slots?: ProviderSlots | undefined;
}
