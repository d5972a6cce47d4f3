import { deadlineSignal, systemClock, type Clock } from '@mcpctl/clock';
import type { WakeRecipe } from '@mcpctl/protocol';
import { McplocalError } from '../errors.js';
import { urlForMessage } from '../url-for-message.js';
import type { LlmProvider } from '../providers/llm-provider.js';
import type { RegistrarLog } from '../registrar/registrar-options.js';
import type { WakeHandler, WakeRequest } from '../registrar/wake-handler.js';
import { formatSeconds } from './format-seconds.js';
import { runCommandRecipe } from './run-command-recipe.js';
import { runHttpRecipe } from './run-http-recipe.js';
import { SingleFlight } from './single-flight.js';
import { waitUntilAvailable } from './wait-until-available.js';

export interface RecipeWakeHandlerOptions {
  /** Gets the wake's progress and every line a wake command writes, prefixed with the published name. */
  log: RegistrarLog;
  /** The polling schedule, the deadlines and the kill grace run on it. Default: the system clock. */
  clock?: Clock | undefined;
  /** For HTTP recipes. Default: the global `fetch`. */
  fetch?: typeof fetch | undefined;
  /** How long one wake request may take. Default 30 000 ms. */
  httpTimeoutMs?: number | undefined;
  /** Readiness polling: the first pause between probes (default 250 ms) and the longest (default 1 500 ms). */
  pollInitialDelayMs?: number | undefined;
  pollMaxDelayMs?: number | undefined;
  /** How long a wake command has to exit after SIGTERM before SIGKILL. Default 2 000 ms. */
  killGraceMs?: number | undefined;
}

const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

type Phase = 'http' | 'command' | 'readiness';

const UNFINISHED: Record<Phase, string> = {
  http: 'the wake request had not answered',
  command: 'the wake command was still running and was killed',
  readiness: 'the backend did not answer yet',
};

/**
 * Wakes a backend with its provider's recipe: runs the HTTP request or the command, then polls
 * `isAvailable()` until the backend answers. The whole wake (recipe and readiness) is bounded by
 * the recipe's `maxWaitSeconds`, the time mcpd holds callers for it. A second wake of the same
 * name while one runs joins it rather than running the recipe twice.
 */
export class RecipeWakeHandler implements WakeHandler {
  private readonly flights = new SingleFlight<{ ms: number }>();
  private readonly clock: Clock;

  constructor(private readonly options: RecipeWakeHandlerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  wake({ llmName, label = llmName, entry, signal }: WakeRequest): Promise<{ ms: number }> {
    const recipe = entry.wake;
    if (recipe === undefined) return Promise.reject(new McplocalError(`${label} has no wake recipe`));
    return this.flights.run(llmName, signal, (shared) => this.runWake(label, entry.provider, recipe, shared));
  }

  /** Resolves once every wake running now has ended, a command killed after its callers left included. */
  idle(): Promise<void> {
    return this.flights.idle();
  }

  /** True while a wake of `llmName` runs. */
  isWaking(llmName: string): boolean {
    return this.flights.has(llmName);
  }

  private async runWake(name: string, provider: LlmProvider, recipe: WakeRecipe, signal: AbortSignal): Promise<{ ms: number }> {
    const { log } = this.options;
    const startedAt = this.clock.monotonic();
    const limitMs = recipe.maxWaitSeconds * 1000;
    const deadline = deadlineSignal(this.clock, limitMs, { reason: () => new McplocalError(`${name} did not wake within ${formatSeconds(limitMs)}`) });
    const bounded = AbortSignal.any([signal, deadline.signal]);
    let phase: Phase = recipe.type;
    try {
      log.info(`${name}: waking with ${describeRecipe(recipe)}`);
      await this.runRecipe(name, recipe, bounded);
      phase = 'readiness';
      await waitUntilAvailable(provider, {
        signal: bounded,
        clock: this.clock,
        initialDelayMs: this.options.pollInitialDelayMs,
        maxDelayMs: this.options.pollMaxDelayMs,
      });
      const ms = Math.round(this.clock.monotonic() - startedAt);
      log.info(`${name}: awake after ${ms} ms`);
      return { ms };
    } catch (error) {
      if (deadline.signal.aborted && !signal.aborted) {
        throw new McplocalError(`${name} did not wake within ${formatSeconds(limitMs)}: ${UNFINISHED[phase]}`, { cause: error });
      }
      throw error;
    } finally {
      deadline.clear();
    }
  }

  private runRecipe(name: string, recipe: WakeRecipe, signal: AbortSignal): Promise<void> {
    if (recipe.type === 'http') {
      return runHttpRecipe(recipe, {
        signal,
        clock: this.clock,
        timeoutMs: this.options.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
        fetch: this.options.fetch,
      });
    }
    const { log } = this.options;
    return runCommandRecipe(recipe, {
      signal,
      clock: this.clock,
      killGraceMs: this.options.killGraceMs,
      onLine: (line, stream) => (stream === 'stdout' ? log.info(`${name}: ${line}`) : log.warn(`${name}: ${line}`)),
    });
  }
}

/** What a log line says about a recipe: never its headers, body or arguments, which may hold secrets. */
function describeRecipe(recipe: WakeRecipe): string {
  if (recipe.type === 'command') return `the command ${recipe.command}`;
  return `${recipe.method} ${urlForMessage(recipe.url)}`;
}
