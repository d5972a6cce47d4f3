import type { LiveLlmView, PoolView } from '@mcpctl/protocol';
import { ms } from '../format.js';

export function PoolsView({ pools, llms }: { pools: PoolView[] | undefined; llms: LiveLlmView[] | undefined }) {
  if (!pools) return <p class="muted">Loading…</p>;
  if (pools.length === 0) return <p class="muted">No pools: LLMs that share a <code>poolName</code> form one.</p>;
  const byName = new Map((llms ?? []).map((llm) => [llm.name, llm]));
  // Read when the pool was last pushed; the cooldown itself runs on in mcpd.
  const coolingDown = (pool: PoolView) => new Map(pool.coolingDown.map((member) => [member.name, member.msLeft]));
  return (
    <div class="scroll"><table>
      <thead>
        <tr><th>Pool</th><th>Members</th><th>In flight</th><th>Queued</th><th>Oldest wait</th></tr>
      </thead>
      <tbody>
        {pools.map((pool) => (
          <tr key={pool.name} data-pool={pool.name}>
            <td>{pool.name}</td>
            <td>
              {pool.members.map((member) => {
                const llm = byName.get(member);
                const msLeft = coolingDown(pool).get(member);
                return (
                  <div key={member} class="member" data-member={member}>
                    <span class={`status ${llm?.status ?? ''}`}>{llm?.status ?? '?'}</span> {member}
                    {llm && <span class="muted"> · {llm.inFlight} in flight, {llm.queued} queued</span>}
                    {msLeft !== undefined && <span class="cooling"> · failed a moment ago: asked after the others for {Math.ceil(msLeft / 1000)} s more</span>}
                  </div>
                );
              })}
            </td>
            <td class="number">{pool.inFlight}</td>
            <td class="number">{pool.queued}</td>
            <td>{pool.queued > 0 ? ms(pool.oldestWaitMs) : '–'}</td>
          </tr>
        ))}
      </tbody>
    </table></div>
  );
}
