import type { UsageDimension, UsageReport } from '@mcpctl/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api.js';
import { ms } from '../format.js';
import { HourlyChart } from './hourly-chart.js';
import { UNKNOWN_KEY } from './usage-series.js';

const WINDOWS = ['1h', '24h', '7d', '30d'] as const;

export function UsageView({ token }: { token: string }) {
  const [by, setBy] = useState<UsageDimension>('llm');
  const [since, setSince] = useState<string>('24h');
  const [report, setReport] = useState<UsageReport | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    // A reply for filters since changed is dropped: the table always says what it counts.
    let current = true;
    setError(undefined);
    api<UsageReport>(token, `/api/v1/usage?by=${by}&since=${since}`).then(
      (answer) => current && setReport(answer),
      (failure: unknown) => current && setError(messageOf(failure)),
    );
    return () => {
      current = false;
    };
  }, [token, by, since]);
  return (
    <section>
      <div class="filters">
        <label>By <select name="by" value={by} onChange={(event) => setBy(event.currentTarget.value as UsageDimension)}>
          <option value="llm">LLM</option><option value="user">user</option><option value="agent">agent</option>
        </select></label>
        <label>Over the last <select name="since" value={since} onChange={(event) => setSince(event.currentTarget.value)}>
          {WINDOWS.map((window) => <option key={window} value={window}>{window}</option>)}
        </select></label>
        {report && <span class="muted">{report.scope === 'own' ? 'your requests' : "everyone's requests"}</span>}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {report && report.rows.length === 0 && <p class="muted">No requests in that window.</p>}
      {report && report.rows.length > 0 && (
        <>
          <div class="scroll"><table class="usage">
            <thead>
              <tr><th>{report.by}</th><th>Requests</th><th>Errors</th><th>Prompt tokens</th><th>Completion tokens</th><th>p50</th><th>p95</th><th>TTFT p50</th><th>TTFT p95</th></tr>
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
