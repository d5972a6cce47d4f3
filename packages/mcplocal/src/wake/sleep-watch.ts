import type { HeartbeatNews } from '@mcpctl/protocol';
import type { ProviderToPublish, RegistrarLog } from '../registrar/registrar-options.js';
import type { WakeHandler } from '../registrar/wake-handler.js';

export interface SleepWatchOptions {
  /** Published name → what serves it; only entries with a wake recipe or a managed server are watched. */
  providers: ReadonlyMap<string, ProviderToPublish>;
  log: RegistrarLog;
  /**
   * A backend mcpd was told sleeps was woken for a request, without a wake task whose result
   * would tell mcpd: the heartbeat that does should go now, before a request through mcpd runs
   * the recipe again.
   */
  onWokenUnheard?: () => void;
}

/**
 * Tells which wake-capable backends have gone to sleep since they were published (vLLM put to
 * sleep, an Ollama model unloaded when its `keep_alive` ran out), so each heartbeat can name them
 * and mcpd marks them `hibernating` instead of relaying the next request to a backend that will
 * fail it. Wakes pass through {@link track}: a backend being woken, or woken while a probe was on
 * its way, is not reported, since the probe may have seen it before it woke. A backend reported
 * asleep that serves again without a wake from mcpd (a managed server a local request started)
 * is reported awake once, so its row does not read `hibernating` while it serves; so is one woken
 * for a request (the local endpoint's, a relayed one), which no wake task told mcpd of.
 */
export class SleepWatch {
  private readonly watched: ReadonlyArray<[string, ProviderToPublish]>;
  private readonly log: RegistrarLog;
  private readonly onWokenUnheard: () => void;
  private readonly waking = new Map<string, number>();
  /** The value of `events` when a wake of the name last began or ended. */
  private readonly lastWakeEvent = new Map<string, number>();
  /** Names mcpd was last told are asleep: a line is logged when a backend falls asleep, not on every beat, and mcpd hears when it serves again. */
  private readonly known = new Set<string>();
  private events = 0;

  constructor(options: SleepWatchOptions) {
    this.watched = [...options.providers].filter(([, entry]) => entry.wake !== undefined || entry.managed !== undefined);
    this.log = options.log;
    this.onWokenUnheard = options.onWokenUnheard ?? (() => undefined);
  }

  /** `handler`, with every wake it runs recorded here. */
  track(handler: WakeHandler): WakeHandler {
    return {
      wake: async (request) => {
        this.wakeEvent(request.llmName, 1);
        let unheard = false;
        try {
          const result = await handler.wake(request);
          // A wake task's result tells mcpd the backend serves; a wake for a request leaves that to the heartbeat.
          if (!request.withoutWakeTask) this.known.delete(request.llmName);
          else unheard = this.known.has(request.llmName);
          return result;
        } finally {
          this.wakeEvent(request.llmName, -1);
          // Once the wake's end is counted: the heartbeat's probe must not be taken for a stale one.
          if (unheard) this.onWokenUnheard();
        }
      },
    };
  }

  /** Names registered as `hibernating`: mcpd already knows they sleep. */
  registeredAsleep(names: Iterable<string>): void {
    this.known.clear();
    for (const name of names) this.known.add(name);
  }

  /**
   * Probes every watched backend at once; resolves with the published names of those that do not
   * answer, and of those reported asleep before that answer again. Never rejects.
   */
  async news(signal: AbortSignal): Promise<Required<HeartbeatNews>> {
    const startedAt = this.events;
    // A backend being woken is neither: mcpd hears how the wake ends from the wake's own result.
    const probed = await Promise.all(
      this.watched
        .filter(([name]) => !this.waking.has(name))
        .map(async ([name, entry]) => ({ name, managed: entry.managed !== undefined, available: await entry.provider.isAvailable({ signal }) })),
    );
    if (signal.aborted) return { hibernating: [], awake: [] };
    const asleep: string[] = [];
    const awake: string[] = [];
    for (const { name, managed, available } of probed) {
      if (available) {
        // Woken while the probe was on its way: a stale probe says nothing; the next one tells
        // mcpd if no wake task's result has.
        if (this.known.has(name) && !this.wokenSince(name, startedAt)) {
          this.known.delete(name);
          awake.push(name);
        }
        continue;
      }
      if (this.waking.has(name) || this.wokenSince(name, startedAt)) continue;
      if (!this.known.has(name)) {
        // A managed server stopped on purpose (idle, a swap) is no failure: said as what it is.
        this.log.info(managed ? `${name}: its managed server is stopped; telling mcpd it is hibernating` : `${name}: the backend stopped answering; telling mcpd it is hibernating`);
      }
      this.known.add(name);
      asleep.push(name);
    }
    return { hibernating: asleep, awake };
  }

  /** A heartbeat carrying `news` did not reach mcpd: its awake names are told again on the next. */
  undelivered(news: HeartbeatNews): void {
    for (const name of news.awake ?? []) this.known.add(name);
  }

  /** A wake of `name` began or ended since event count `since`: a probe then may be stale. */
  private wokenSince(name: string, since: number): boolean {
    return (this.lastWakeEvent.get(name) ?? -1) > since;
  }

  private wakeEvent(name: string, change: 1 | -1): void {
    this.events += 1;
    this.lastWakeEvent.set(name, this.events);
    const running = (this.waking.get(name) ?? 0) + change;
    if (running > 0) this.waking.set(name, running);
    else this.waking.delete(name);
  }
}
