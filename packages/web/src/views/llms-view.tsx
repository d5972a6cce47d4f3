import { transportName, type LiveLlmView } from '@mcpctl/protocol';
import { age, ms } from '../format.js';

export function LlmsView({ llms, now }: { llms: LiveLlmView[] | undefined; now: number }) {
  if (!llms) return <p class="muted">Loading…</p>;
  if (llms.length === 0) return <p class="muted">No LLMs you can see yet. An admin, or a member allowed to (<code>create:llms</code>), can add one with <code>mcpctl create llm</code>; mcplocal publishes a workstation's models for a member with <code>create:llms:virtual</code>.</p>;
  return (
    <div class="scroll"><table>
      <thead>
        <tr>
          <th>Name</th><th>Kind</th><th>Status</th><th>Visibility</th><th>Owner</th><th>Type / model</th><th>Pool</th>
          <th>In flight</th><th>Queued</th><th>Heartbeat</th><th>Wake</th><th>Transport</th>
        </tr>
      </thead>
      <tbody>
        {llms.map((llm) => (
          <tr key={llm.id} data-llm={llm.name} data-status={llm.status}>
            <td>{llm.name}</td>
            <td>{llm.kind}</td>
            <td><span class={`status ${llm.status}`}>{llm.status}</span></td>
            <td>{llm.visibility}</td>
            <td>{llm.owner ?? '–'}</td>
            <td class="text">{llm.type} / {llm.model}</td>
            <td>{llm.poolName ?? '–'}</td>
            <td class="number">{llm.inFlight}</td>
            <td class="number">{llm.queued}</td>
            <td>{llm.kind === 'virtual' ? age(llm.lastHeartbeatAt, now) : '–'}</td>
            <td>{llm.wakeRecipe ? `${llm.wakeRecipe}${llm.lastWakeMs === null ? '' : `, last ${ms(llm.lastWakeMs)}`}` : '–'}</td>
            <td>{transportName(llm.providerSession?.transport) ?? (llm.kind === 'virtual' ? 'offline' : '–')}</td>
          </tr>
        ))}
      </tbody>
    </table></div>
  );
}
