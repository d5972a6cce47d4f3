import type { UsageDimension, UsageReport } from '@mcpctl/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api.js';
import { ms } from '../format.js';
import { FetchedAt } from './fetched-at.js';
import { HourlyChart } from './hourly-chart.js';
import { UNKNOWN_KEY } from './usage-series.js';

const WINDOWS = ['1h', '24h', '7d', '30d'] as const;
/** The first column's heading, and the choice that picks it. */
const DIMENSION_TITLES: Record<UsageDimension, string> = { llm: 'LLM', user: 'User', agent: 'Agent' };

export function UsageView({ token }: { token: string }) {
  const [by, setBy] = useState<UsageDimension>('llm');
  const [since, setSince] = useState<string>('24h');
  const [report, setReport] = useState<UsageReport | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [fetchedAt, setFetchedAt] = useState<number | undefined>();
  // Bumped by Refresh: the usage is read when the view opens and when asked, never on a timer.
  const [refreshes, setRefreshes] = useState(0);
  useEffect(() => {
    // A reply for filters since changed is dropped: the table always says what it counts.
    let current = true;
    setError(undefined);
    setLoading(true);
    api<UsageReport>(token, `/api/v1/usage?by=${by}&since=${since}`).then(
      (answer) => {
        if (!current) return;
        setReport(answer);
        setFetchedAt(Date.now());
      },
      (failure: unknown) => {
        if (!current) return;
        // Figures for other filters, or older ones, would pass for the answer beside the error.
        setReport(undefined);
        setFetchedAt(undefined);
        setError(messageOf(failure));
      },
    ).finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [token, by, since, refreshes]);
  return (
    <section>
      <div class="filters">
        <label>By <select name="by" value={by} onChange={(event) => setBy(event.currentTarget.value as UsageDimension)}>
          {(Object.keys(DIMENSION_TITLES) as UsageDimension[]).map((dimension) => <option key={dimension} value={dimension}>{DIMENSION_TITLES[dimension]}</option>)}
        </select></label>
        <label>Over the last <select name="since" value={since} onChange={(event) => setSince(event.currentTarget.value)}>
          {WINDOWS.map((window) => <option key={window} value={window}>{window}</option>)}
        </select></label>
        {report && <span class="muted">{report.scope === 'own' ? 'your requests' : "everyone's requests"}</span>}
        <FetchedAt at={fetchedAt} loading={loading} onRefresh={() => setRefreshes((count) => count + 1)} />
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {report && report.rows.length === 0 && <p class="muted">{report.by === 'agent' ? 'No requests through an agent in that window.' : 'No requests in that window.'}</p>}
      {report && report.rows.length > 0 && (
        <>
          <div class="scroll"><table class="usage">
            <thead>
              <tr><th>{DIMENSION_TITLES[report.by]}</th><th>Requests</th><th>Errors</th><th>Prompt tokens</th><th>Completion tokens</th><th>p50</th><th>p95</th><th>TTFT p50</th><th>TTFT p95</th></tr>
            </thead>
            <tbody>
              {report.rows.map((row) => (
                <tr key={row.key ?? UNKNOWN_KEY} data-usage={row.key ?? ''}>
                  <td>{row.key ?? UNKNOWN_KEY}</td><td class="number">{row.requests}</td><td class="number">{row.errors}</td>
                  <td class="number">{row.promptTokens}</td><td class="number">{row.completionTokens}</td>
                  <td>{ms(row.latencyP50Ms)}</td><td>{ms(row.latencyP95Ms)}</td><td>{ms(row.firstTokenP50Ms)}</td><td>{ms(row.firstTokenP95Ms)}</td>
                </tr>
              ))}
            </tbody>
          </table></div>
          <HourlyChart hours={report.hours} since={report.since} until={report.until} />
        </>
      )}
    </section>
  );
}
