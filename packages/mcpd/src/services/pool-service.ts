import type { PoolView } from '@mcpctl/protocol';
import type { DispatchCounters } from '../dispatch/dispatcher.js';
import { notFound } from '../errors.js';
import type { LlmRecord, LlmRepository } from '../repositories/llm-repository.js';
import { canSee, type Principal } from '../rbac/principal.js';

/**
 * Pools as a caller sees them: only the members visible to that caller count. A pool's line
 * (`queued`, `oldestWaitMs`) holds every caller's requests for any member, so it is shown only
 * to a caller who sees every member: to another it would tell when, and how much, someone uses
 * a private member it cannot see.
 */
export class PoolService {
  /** Views read for a caller who does not see every member: their line stays hidden when the counters are laid over them again. */
  readonly #lineHidden = new WeakSet<PoolView>();

  constructor(
    private readonly llms: LlmRepository,
    /** Among replicas, every replica's counters. */
    private readonly counters: DispatchCounters,
  ) {}

  async list(principal: Principal): Promise<PoolView[]> {
    const byPool = new Map<string, LlmRecord[]>();
    const sizes = new Map<string, number>();
    for (const record of await this.llms.list()) {
      if (!record.poolName) continue;
      sizes.set(record.poolName, (sizes.get(record.poolName) ?? 0) + 1);
      if (!canSee(principal, record)) continue;
      byPool.set(record.poolName, [...(byPool.get(record.poolName) ?? []), record]);
    }
    return [...byPool.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, members]) => this.#view(name, members, members.length === sizes.get(name)));
  }

  async get(principal: Principal, name: string): Promise<PoolView> {
    const view = await this.find(principal, name);
    if (!view) throw notFound(`pool not found: ${name}`);
    return view;
  }

  /** The pool as the caller sees it, or `undefined` when none of its members is visible. */
  async find(principal: Principal, name: string): Promise<PoolView | undefined> {
    const all = await this.llms.listByPool(name);
    const members = all.filter((record) => canSee(principal, record));
    return members.length === 0 ? undefined : this.#view(name, members, members.length === all.length);
  }

  /** Whether `view` was read for a caller who does not see every member of its pool. */
  hidesLine(view: PoolView): boolean {
    return this.#lineHidden.has(view);
  }

  #view(name: string, members: LlmRecord[], seesEveryMember: boolean): PoolView {
    const count = (status: string) => members.filter((member) => member.status === status).length;
    const view: PoolView = {
      name,
      members: members.map((member) => member.name),
      active: count('active'),
      hibernating: count('hibernating'),
      inactive: count('inactive'),
      ...poolCounters(this.counters, name, members, seesEveryMember),
    };
    if (!seesEveryMember) this.#lineHidden.add(view);
    return view;
  }
}

/**
 * What a pool is doing right now, as `dispatcher` counts it: its members' requests in flight, its
 * line (0 unless `showLine`: see {@link PoolService}), and the members held back after a failure.
 */
export function poolCounters(
  dispatcher: DispatchCounters,
  name: string,
  members: ReadonlyArray<{ id: string; name: string }>,
  showLine: boolean,
): Pick<PoolView, 'inFlight' | 'queued' | 'oldestWaitMs' | 'coolingDown'> {
  const coolingDown: PoolView['coolingDown'] = [];
  for (const member of members) {
    const msLeft = Math.ceil(dispatcher.cooldownMsOf(member.id));
    if (msLeft > 0) coolingDown.push({ name: member.name, msLeft });
  }
  return {
    inFlight: members.reduce((sum, member) => sum + dispatcher.inFlightOf(member.id), 0),
    queued: showLine ? dispatcher.queued(`pool:${name}`) : 0,
    oldestWaitMs: showLine ? Math.round(dispatcher.oldestWaitMs(`pool:${name}`)) : 0,
    coolingDown,
  };
}
