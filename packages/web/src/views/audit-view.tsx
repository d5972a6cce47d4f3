import { auditUserLabel, type AuditRecordView } from '@mcpctl/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, messageOf } from '../api.js';
import { ms, tokenPair, utcDateTime } from '../format.js';
import { FetchedAt } from './fetched-at.js';

const PAGE = 50;

interface Filters {
  user: string;
  llm: string;
  status: string;
  since: string;
}

export function AuditView({ token }: { token: string }) {
  const [filters, setFilters] = useState<Filters>({ user: '', llm: '', status: '', since: '24h' });
  const [pages, setPages] = useState<AuditRecordView[][]>([]);
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [fetchedAt, setFetchedAt] = useState<number | undefined>();
  // Bumped by Refresh: the audit is read when the view opens and when asked, never on a timer.
  const [refreshes, setRefreshes] = useState(0);
  // Replies for filters since changed are dropped.
  const generation = useRef(0);
  const query = (before?: string) => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    for (const [key, value] of Object.entries(filters) as Array<[string, string]>) if (value) params.set(key, value);
    if (before) params.set('before', before);
    return `/api/v1/audit?${params.toString()}`;
  };
  useEffect(() => {
    const mine = ++generation.current;
    setError(undefined);
    setLoading(true);
    api<AuditRecordView[]>(token, query()).then(
      (page) => {
        if (mine !== generation.current) return;
        setPages([page]);
        setFetchedAt(Date.now());
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        // The rows shown were read under other filters (or are stale): listed under the new ones
        // beside the error, they would pass for the answer.
        setPages([]);
        setFetchedAt(undefined);
        setError(messageOf(failure));
      },
    ).finally(() => mine === generation.current && setLoading(false));
  }, [token, filters, refreshes]);
  const records = pages.flat();
  const last = pages.at(-1);
  const more = () => {
    if (loading) return;
    const mine = generation.current;
    setLoading(true);
    api<AuditRecordView[]>(token, query(records.at(-1)?.id)).then(
      (page) => mine === generation.current && setPages((shown) => [...shown, page]),
      (failure: unknown) => mine === generation.current && setError(messageOf(failure)),
    ).finally(() => mine === generation.current && setLoading(false));
  };
  const edit = (key: keyof Filters) => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement).value.trim();
    setFilters((current) => (current[key] === value ? current : { ...current, [key]: value }));
  };
  // What is typed lives in its own state: the page re-renders every second (the ages), and an
  // input bound to the applied filter would lose each keystroke made since. It applies on Enter
  // or on leaving the box, not on each key, so a half-typed name does not query.
  const [typed, setTyped] = useState({ user: '', llm: '' });
  const textFilter = (key: 'user' | 'llm') => ({
    name: key,
    value: typed[key],
    placeholder: 'any',
    onInput: (event: Event) => {
      const value = (event.currentTarget as HTMLInputElement).value;
      setTyped((current) => ({ ...current, [key]: value }));
    },
    onChange: edit(key),
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key === 'Enter') edit(key)(event);
    },
  });
  return (
    <section>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>User <input {...textFilter('user')} /></label>
        <label>LLM <input {...textFilter('llm')} /></label>
        <label>Status <select name="status" value={filters.status} onChange={edit('status')}>
          <option value="">any</option><option value="ok">ok</option><option value="error">error</option>
        </select></label>
        <label>Since <select name="since" value={filters.since} onChange={edit('since')}>
          <option value="1h">1h</option><option value="24h">24h</option><option value="7d">7d</option><option value="30d">30d</option>
        </select></label>
        <span class="muted">names apply on Enter</span>
        <FetchedAt at={fetchedAt} loading={loading} onRefresh={() => setRefreshes((count) => count + 1)} />
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {records.length === 0 && !error && <p class="muted">No records match.</p>}
      {records.length > 0 && (
        <div class="scroll"><table class="audit">
          <thead>
            <tr><th>When (UTC)</th><th>User</th><th>LLM</th><th>Served by</th><th>Agent</th><th>Endpoint</th><th>Status</th><th>Latency</th><th>TTFT</th><th>Tokens (prompt/completion)</th><th>Error</th></tr>
          </thead>
          <tbody>
            {records.map((record) => (
              <tr key={record.id} data-audit={record.id}>
                <td>{utcDateTime(record.at)}</td><td>{auditUserLabel(record) ?? '–'}</td><td>{record.llmName}</td>
                <td>{record.servedBy === record.llmName ? '–' : (record.servedBy ?? '–')}</td><td>{record.agentName ?? '–'}</td><td>{record.endpoint}{record.streaming ? ' (stream)' : ''}</td>
                <td class={record.status >= 400 ? 'error' : ''}>{record.status}</td><td>{ms(record.latencyMs)}</td><td>{ms(record.firstTokenMs)}</td>
                <td class="number" title="prompt/completion">{tokenPair(record.promptTokens, record.completionTokens)}</td><td class="text">{record.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      {last && last.length === PAGE && <button type="button" name="older" disabled={loading} onClick={more}>Older</button>}
    </section>
  );
}
