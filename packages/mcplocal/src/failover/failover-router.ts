import { deadlineSignal, systemClock, type Clock } from '@mcpctl/clock';
import { currentToken, type BearerToken } from '../bearer-token.js';
import type { LlmProvider } from '../providers/llm-provider.js';
import type { ProviderRegistry } from './provider-registry.js';

/**
 * What mcpd says about the caller and a central LLM: `allowed` (the caller may view it),
 * `forbidden` (401/403: the token is refused or the caller lost the right) or `unreachable`
 * (any other answer, including 404 for a hidden LLM, or no answer at all).
 */
export type FailoverAccess = 'allowed' | 'forbidden' | 'unreachable';

/** Where the router's decisions go: one line each, so a pino logger and a plain test object both fit. */
export interface FailoverLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface FailoverRouterOptions {
  /** mcpd's base URL; the probe goes to `{mcpdUrl}/api/v1/llms/NAME`. */
  mcpdUrl: string;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch | undefined;
  /**
   * The user's token (a function is asked at each probe). Without one the probe goes out
   * unauthenticated, mcpd refuses it, and failover stays off.
   */
  bearerToken?: BearerToken | undefined;
  /** A probe slower than this counts as mcpd unreachable. Default 5 000. */
  probeTimeoutMs?: number | undefined;
  /** Times the probe. Default: the system clock. */
  clock?: Clock | undefined;
  log?: FailoverLog | undefined;
}

export interface FailoverRunOptions {
  /** The caller's signal: once it fired, a failed primary is the caller leaving, not a failure to cover. */
  signal?: AbortSignal | undefined;
  /** Which primary errors a stand-in may cover. Default: every one. */
  failsOver?: ((error: unknown) => boolean) | undefined;
}

/** How a request was served: by the central LLM, or by the local provider `via` standing in for it. */
export interface FailoverResult<T> {
  result: T;
  failover: boolean;
  via?: string;
}

const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

/**
 * Runs a request against a central LLM and, when that fails and a local provider stands in for
 * the LLM, serves it locally — but only after mcpd confirmed the caller may still view the LLM.
 * Every other outcome of that check re-throws the central call's error (fail closed): revoking
 * a user's access to an LLM must end its failover too, and an mcpd that cannot be asked cannot
 * confirm anything.
 *
 * Once failover is allowed the answer is the local provider's, errors included: the central
 * error was already logged, and the local failure is the one that ended the request.
 */
export class FailoverRouter {
  private readonly mcpdUrl: string;
  private readonly fetch: typeof fetch;
  private readonly probeTimeoutMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly options: FailoverRouterOptions,
  ) {
    this.mcpdUrl = options.mcpdUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * `primary()` first; on its failure, `local(provider)` with the stand-in for `centralName`
   * when there is one and mcpd allows it. Rejects with the primary's error otherwise.
   */
  async run<T>(
    centralName: string,
    primary: () => Promise<T>,
    local: (provider: LlmProvider) => Promise<T>,
    options: FailoverRunOptions = {},
  ): Promise<FailoverResult<T>> {
    try {
      return { result: await primary(), failover: false };
    } catch (primaryError) {
      const provider = this.registry.getFailoverFor(centralName);
      if (provider === null || options.signal?.aborted || !(options.failsOver ?? everyError)(primaryError)) throw primaryError;
      const access = await this.checkAuth(centralName, { signal: options.signal });
      if (access !== 'allowed') {
        const why = access === 'unreachable' ? 'mcpd could not be asked whether the user may use it (failover fails closed)' : 'mcpd says the user may not use it';
        this.options.log?.warn(`no failover to "${provider.name}" for "${centralName}": ${why}; passing on the central error`);
        throw primaryError;
      }
      this.options.log?.info(`"${centralName}" failed (${describe(primaryError)}); serving it with local provider "${provider.name}"`);
      return { result: await local(provider), failover: true, via: provider.name };
    }
  }

  /** Asks mcpd `HEAD /api/v1/llms/NAME` with the user's token: may the caller view the LLM? Never throws. */
  async checkAuth(name: string, options: { signal?: AbortSignal | undefined } = {}): Promise<FailoverAccess> {
    const timeout = deadlineSignal(this.clock, this.probeTimeoutMs, { parent: options.signal });
    const signal = timeout.signal;
    const headers: Record<string, string> = {};
    if (this.options.bearerToken !== undefined) headers.Authorization = `Bearer ${currentToken(this.options.bearerToken)}`;
    let status: number;
    try {
      ({ status } = await this.fetch(`${this.mcpdUrl}/api/v1/llms/${encodeURIComponent(name)}`, { method: 'HEAD', headers, signal }));
    } catch {
      return 'unreachable';
    } finally {
      timeout.clear();
    }
    if (status >= 200 && status < 300) return 'allowed';
    if (status === 401 || status === 403) return 'forbidden';
    return 'unreachable';
  }
}

function everyError(): boolean {
  return true;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
