import { transportName, type AgentView, type ProviderSessionView } from '@mcpctl/protocol';
import { age } from '../format.js';

/**
 * Why an agent whose LLM no longer is what it was pointed at cannot answer, as `describe agent`
 * puts it. mcpd judges `gone` on the rows the caller may see: another owner's private LLM is
 * `gone` to everyone else though it still exists, so "deleted" alone would be false.
 */
const UNANSWERABLE: Record<'moved' | 'gone', string> = {
  gone: 'cannot answer: its LLM is not one you can see (deleted, or private)',
  moved: "cannot answer: its LLM's name now belongs to another owner's LLM",
};

/** The agent's LLM as the CLI shows it: `alpha (gone)`, `alpha (moved)` when it no longer names what the agent was pointed at. */
function pinnedLlm(agent: AgentView): string {
  return agent.llmState === undefined || agent.llmState === 'pinned' ? agent.llm : `${agent.llm} (${agent.llmState})`;
}

function AgentStatus({ agent }: { agent: AgentView }) {
  if (agent.llmState === 'gone' || agent.llmState === 'moved') return <span class="status inactive">{UNANSWERABLE[agent.llmState]}</span>;
  return <span class={`status ${agent.status}`}>{agent.status}</span>;
}

export function AgentsView({ agents }: { agents: AgentView[] | undefined }) {
  if (!agents) return <p class="muted">Loading…</p>;
  if (agents.length === 0) return <p class="muted">No agents you can see.</p>;
  return (
    <div class="scroll"><table>
      <thead>
        <tr><th>Agent</th><th>LLM</th><th>Kind</th><th>Status</th><th>Visibility</th><th>Owner</th><th>Description</th></tr>
      </thead>
      <tbody>
        {agents.map((agent) => (
          <tr key={agent.id} data-agent={agent.name} data-status={agent.status} data-llm-state={agent.llmState ?? 'pinned'}>
            <td>{agent.name}</td><td>{pinnedLlm(agent)}</td><td>{agent.kind}</td>
            <td><AgentStatus agent={agent} /></td>
            <td>{agent.visibility}</td><td>{agent.owner ?? '–'}</td><td class="text">{agent.description ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table></div>
  );
}

export function SessionsView({ sessions, now }: { sessions: ProviderSessionView[] | undefined; now: number }) {
  if (!sessions) return <p class="muted">Loading…</p>;
  if (sessions.length === 0) return <p class="muted">No publisher sessions.</p>;
  return (
    <div class="scroll"><table>
      <thead>
        <tr><th>Session</th><th>User</th><th>Connected</th><th>Transport</th><th>Since</th><th>Heartbeat</th><th>LLMs</th></tr>
      </thead>
      <tbody>
        {sessions.map((session) => (
          <tr key={session.ref} data-session={session.ref} data-connected={String(session.connected)}>
            <td><code>{session.ref}</code></td><td>{session.owner}</td><td>{session.connected ? 'yes' : 'no'}</td>
            <td>{transportName(session.transport) ?? '–'}</td><td>{age(session.connectedAt, now)}</td><td>{age(session.lastHeartbeatAt, now)}</td>
            <td class="text">{session.llms.join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table></div>
  );
}
