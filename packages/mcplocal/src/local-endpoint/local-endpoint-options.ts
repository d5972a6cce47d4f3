import type { Clock } from '@mcpctl/clock';
import type { BearerToken } from '../bearer-token.js';
import type { ProviderRegistry } from '../failover/provider-registry.js';
import type { ProviderTurns } from '../registrar/provider-slots.js';
import type { LocalWakes } from '../wake/local-wakes.js';

/** Where the endpoint's lines go; one line each, so a pino logger and a plain test object both fit. */
export interface LocalEndpointLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** mcpd and the user's token, as `mcpctl login` wrote them to `credentials`. */
export interface LocalEndpointMcpd {
  url: string;
  /**
   * Sent to mcpd and required of callers. A function is asked at each request, so a token
   * `mcpctl login` wrote since is the one sent and the one required, and the old one stops working here.
   */
  token: BearerToken;
}

export interface LocalEndpointOptions {
  /** The local providers served by name, and which central LLM each stands in for. */
  registry: ProviderRegistry;
  /** Without it only local providers are served: central names answer 404. */
  mcpd?: LocalEndpointMcpd | undefined;
  /**
   * Default true: every request must carry `mcpd.token` (as `Authorization: Bearer`), and without
   * `mcpd` every request is refused. False serves whoever reaches the port (a single-user machine).
   */
  requireToken?: boolean | undefined;
  /**
   * Default `127.0.0.1`. The endpoint forwards with the user's token, so any other address lends
   * that token to whoever can reach the port, and without `requireToken` to anyone at all.
   */
  host?: string | undefined;
  /** Default 3200; 0 picks a free port (tests). */
  port?: number | undefined;
  /** Largest request body accepted; larger ones answer 413. Default 4 MiB. */
  bodyLimitBytes?: number | undefined;
  /** Used for every call to mcpd. Default: the global `fetch`. */
  fetch?: typeof fetch | undefined;
  /** A failover access probe slower than this counts as mcpd unreachable. Default 5 000. */
  probeTimeoutMs?: number | undefined;
  /** Bound on asking mcpd for its model list; after it `/v1/models` lists the local providers alone. Default 5 000. */
  modelsTimeoutMs?: number | undefined;
  /**
   * The wake recipes of local providers: a request for one whose backend fails and is found asleep
   * wakes it and is served once it serves. Without it a sleeping backend's failure is the answer.
   */
  wakes?: LocalWakes | undefined;
  /**
   * A turn on a local provider before serving it, under its `maxConcurrent`, shared with the
   * relayed tasks. Without it local requests are not counted.
   */
  turns?: ProviderTurns | undefined;
  /** How often a streaming caller waiting for a wake hears `: waking NAME Ns`. Default 3 000, as mcpd's `: waking` notices. */
  wakeCommentIntervalMs?: number | undefined;
  log?: LocalEndpointLog | undefined;
  /** Times the probe and the model list, and dates completions. Default: the system clock. */
  clock?: Clock | undefined;
  /** Suffix of completion ids. Default a random UUID without dashes. */
  newId?: (() => string) | undefined;
}
