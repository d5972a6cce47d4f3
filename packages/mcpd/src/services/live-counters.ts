import type { LiveEventData } from '@mcpctl/protocol';
import type { DispatchCounters } from '../dispatch/dispatcher.js';
import { poolCounters, type PoolService } from './pool-service.js';

/**
 * The live state read earlier, with the counters kept in memory as they are now (this replica's,
 * or among replicas every replica's): each LLM's requests in flight and waiting, each pool's.
 * Its members are those the caller sees.
 */
export function liveCounters(data: LiveEventData, dispatcher: DispatchCounters, pools: Pick<PoolService, 'hidesLine'>): LiveEventData {
  const idOf = new Map(data.llms.map((llm) => [llm.name, llm.id]));
  return {
    ...data,
    llms: data.llms.map((llm) => ({ ...llm, inFlight: dispatcher.inFlightOf(llm.id), queued: dispatcher.queued(`llm:${llm.name}`) })),
    pools: data.pools.map((pool) => ({
      ...pool,
      ...poolCounters(
        dispatcher,
        pool.name,
        pool.members.flatMap((member) => {
          const id = idOf.get(member);
          return id === undefined ? [] : [{ id, name: member }];
        }),
        !pools.hidesLine(pool),
      ),
    })),
  };
}
