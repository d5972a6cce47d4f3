import type { PoolView } from '@mcpctl/protocol';
import type { DispatchCounters } from '../dispatch/dispatcher.js';
import { notFound } from '../errors.js';
import type { LlmRecord, LlmRepository } from '../repositories/llm-repository.js';
import { canSee, type Principal } from '../rbac/principal.js';

/** Pools as a caller sees them: only the members visible to that caller count. */
export class PoolService {
  constructor(
    private readonly llms: LlmRepository,
    /** Among replicas, every replica's counters. */
    private readonly counters: DispatchCounters,
  ) {}

  async list(principal: Principal): Promise<PoolView[]> {
    const byPool = new Map<string, LlmRecord[]>();
    for (const record of await this.llms.list()) {
      if (!record.poolName || !canSee(principal, record)) continue;
      byPool.set(record.poolName, [...(byPool.get(record.poolName) ?? []), record]);
    }
    return [...byPool.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, members]) => this.#view(name, members));
  }

  async get(principal: Principal, name: string): Promise<PoolView> {
    const view = await this.find(principal, name);
    if (!view) throw notFound(`pool not found: ${name}`);
    return view;
  }

  /** The pool as the caller sees it, or `undefined` when none of its members is visible. */
  async find(principal: Principal, name: string): Promise<PoolView | undefined> {
    const members = (await this.llms.listByPool(name)).filter((record) => canSee(principal, record));
    return members.length === 0 ? undefined : this.#view(name, members);
  }

  #view(name: string, members: LlmRecord[]): PoolView {
    const count = (status: string) => members.filter((member) => member.status === status).length;
    return {
      name,
      members: members.map((member) => member.name),
      active: count('active'),
      hibernating: count('hibernating'),
      inactive: count('inactive'),
      ...poolCounters(this.counters, name, members),
    };
  }
}

/**
 * What a pool is doing right now, as `dispatcher` counts it: its members' requests in flight, its
 * line, and the members held back after a failure.
 */
export function poolCounters(
  dispatcher: DispatchCounters,
  name: string,
  members: ReadonlyArray<{ id: string; name: string }>,
): Pick<PoolView, 'inFlight' | 'queued' | 'oldestWaitMs' | 'coolingDown'> {
  const coolingDown: PoolView['coolingDown'] = [];
  for (const member of members) {
    const msLeft = Math.ceil(dispatcher.cooldownMsOf(member.id));
    if (msLeft > 0) coolingDown.push({ name: member.name, msLeft });
  }
  return {
    inFlight: members.reduce((sum, member) => sum + dispatcher.inFlightOf(member.id), 0),
    queued: dispatcher.queued(`pool:${name}`),
    oldestWaitMs: Math.round(dispatcher.oldestWaitMs(`pool:${name}`)),
    coolingDown,
  };
}
