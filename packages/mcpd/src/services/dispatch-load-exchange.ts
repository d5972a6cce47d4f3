import { every, type Cancel, type Clock } from '@mcpctl/clock';
import { BUS_DISPATCH_LOAD_MAX_LLMS, BUS_DISPATCH_LOAD_MAX_QUEUES, type BusDispatchLoad } from '@mcpctl/protocol';
import type { DispatchCounters, Dispatcher } from '../dispatch/dispatcher.js';
import type { RelayBus } from '../relay/relay-bus.js';
import { ReplicaReports } from './replica-reports.js';

/** How often a replica holding requests says what it holds. */
export const DISPATCH_LOAD_INTERVAL_MS = 1_000;

/** Another replica's last report, as maps (keys come from the wire; a plain object would answer `constructor`). */
interface Report {
  inFlight: Map<string, number>;
  queues: Map<string, { queued: number; oldestWaitMs: number }>;
  coolingDown: Map<string, number>;
}

/**
 * The live counters among replicas (SPEC §12 §8): every second a replica holding requests tells
 * the others what its dispatcher holds (in flight per LLM, waiting per LLM or pool, pool members
 * cooling down after a failure), and
 * {@link counters} adds what the others last said to this replica's own figures, so a dashboard
 * on any replica shows the whole cluster's load. An idle replica sends one empty report and then
 * nothing; a report is at most about a second old, and a replica silent for 3 s counts no more.
 * The report is read from counts the dispatcher keeps anyway, once a second, off the request path.
 */
export class DispatchLoadExchange {
  readonly #reports: ReplicaReports<Report>;
  #stop: Cancel | undefined;
  /** The last report sent held nothing (or none was sent): an idle replica stays silent. */
  #quiet = true;

  /** This replica's counters plus the others': counts summed, the oldest wait and a member's cooldown the longest of any. */
  readonly counters: DispatchCounters;

  constructor(
    private readonly dispatcher: DispatchCounters & Pick<Dispatcher, 'llmsInFlight' | 'waitingKeys' | 'membersCoolingDown'>,
    private readonly bus: RelayBus,
    private readonly clock: Clock,
  ) {
    this.#reports = new ReplicaReports(clock);
    this.counters = {
      inFlightOf: (llmId) => dispatcher.inFlightOf(llmId) + this.#sum((report) => report.inFlight.get(llmId) ?? 0),
      queued: (key) => dispatcher.queued(key) + this.#sum((report) => report.queues.get(key)?.queued ?? 0),
      oldestWaitMs: (key) => {
        let oldest = dispatcher.oldestWaitMs(key);
        for (const { report, ageMs } of this.#reports.fresh()) {
          const queue = report.queues.get(key);
          // The wait went on since the report, if that request still waits (it is at most a second old).
          if (queue) oldest = Math.max(oldest, queue.oldestWaitMs + ageMs);
        }
        return oldest;
      },
      cooldownMsOf: (llmId) => {
        let left = dispatcher.cooldownMsOf(llmId);
        // The cooldown went on running since the report.
        for (const { report, ageMs } of this.#reports.fresh()) left = Math.max(left, (report.coolingDown.get(llmId) ?? 0) - ageMs);
        return left;
      },
    };
  }

  start(): void {
    this.#stop ??= every(this.clock, DISPATCH_LOAD_INTERVAL_MS, () => this.#report());
  }

  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
  }

  /** What another replica said its dispatcher holds; its previous report is replaced. */
  reported(load: BusDispatchLoad): void {
    if (load.from === this.bus.replicaId) return;
    this.#reports.set(load.from, {
      inFlight: new Map(Object.entries(load.inFlight)),
      queues: new Map(Object.entries(load.queues)),
      coolingDown: new Map(Object.entries(load.coolingDown ?? {})),
    });
  }

  #report(): void {
    const inFlight = largest(
      [...this.dispatcher.llmsInFlight()].map((llmId) => [llmId, this.dispatcher.inFlightOf(llmId)] as const),
      (count) => count,
      BUS_DISPATCH_LOAD_MAX_LLMS,
    );
    const queues = largest(
      [...this.dispatcher.waitingKeys()].map((key) => [key, { queued: this.dispatcher.queued(key), oldestWaitMs: Math.round(this.dispatcher.oldestWaitMs(key)) }] as const),
      (queue) => queue.queued,
      BUS_DISPATCH_LOAD_MAX_QUEUES,
    );
    const coolingDown = largest(
      [...this.dispatcher.membersCoolingDown()].map(([llmId, msLeft]) => [llmId, Math.ceil(msLeft)] as const),
      (msLeft) => msLeft,
      BUS_DISPATCH_LOAD_MAX_LLMS,
    );
    const quiet = inFlight.length === 0 && queues.length === 0 && coolingDown.length === 0;
    // One empty report clears this replica's share everywhere at once; the silence after it means the same.
    if (quiet && this.#quiet) return;
    this.#quiet = quiet;
    this.bus.reportDispatchLoad({
      inFlight: Object.fromEntries(inFlight),
      queues: Object.fromEntries(queues),
      ...(coolingDown.length === 0 ? {} : { coolingDown: Object.fromEntries(coolingDown) }),
    });
  }

  #sum(count: (report: Report) => number): number {
    let total = 0;
    for (const { report } of this.#reports.fresh()) total += count(report);
    return total;
  }
}

/** The entries, or the `max` largest of them when there are more (what the wire carries). */
function largest<T>(entries: ReadonlyArray<readonly [string, T]>, size: (value: T) => number, max: number): ReadonlyArray<readonly [string, T]> {
  return entries.length <= max ? entries : [...entries].sort(([, a], [, b]) => size(b) - size(a)).slice(0, max);
}
