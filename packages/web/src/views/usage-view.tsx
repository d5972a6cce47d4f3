import type { UsageDimension, UsageHour, UsageReport } from '@mcpctl/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api.js';
import { ms } from '../format.js';
import { seriesOf, UNKNOWN_KEY } from './usage-series.js';

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
          <HourlyChart hours={report.hours} />
        </>
      )}
    </section>
  );
}

/** Requests per hour, one stacked bar per hour, a colour per series. */
function HourlyChart({ hours }: { hours: UsageHour[] }) {
  const byHour = new Map<string, UsageHour[]>();
  for (const hour of hours) byHour.set(hour.hour, [...(byHour.get(hour.hour) ?? []), hour]);
  const series = seriesOf(hours);
  const columns = [...byHour.entries()];
  const most = Math.max(1, ...columns.map(([, entries]) => entries.reduce((sum, entry) => sum + entry.requests, 0)));
  const width = Math.max(240, columns.length * 28);
  const multiDay = new Set(columns.map(([hour]) => hour.slice(0, 10))).size > 1;
  const height = 140;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} width={width} height={height + 20} role="img" aria-label="requests per hour">
        {columns.map(([hour, entries], index) => {
          let top = height;
          return (
            <g key={hour}>
              {series.map((one) => {
                const counted = entries.filter((entry) => one.keys.has(entry.key ?? UNKNOWN_KEY));
                const requests = counted.reduce((sum, entry) => sum + entry.requests, 0);
                if (requests === 0) return null;
                const barHeight = (requests / most) * (height - 10);
                top -= barHeight;
                const names = counted.length === 1 ? (counted[0]?.key ?? UNKNOWN_KEY) : `${one.label} (${counted.map((entry) => entry.key ?? UNKNOWN_KEY).join(', ')})`;
                return (
                  <rect key={one.label} data-series={one.label} x={index * 28 + 4} y={top} width={20} height={barHeight} fill={one.colour}>
                    <title>{`${hour} ${names}: ${requests} requests`}</title>
                  </rect>
                );
              })}
              <text x={index * 28 + 14} y={height + 14} font-size="9" text-anchor="middle">{columns.length > 24 || multiDay ? `${hour.slice(8, 10)}/${hour.slice(11, 13)}h` : `${hour.slice(11, 13)}h`}</text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        {series.map((one) => (
          <span key={one.label} class="legend" data-series={one.label}><i style={{ background: one.colour }} />{one.label}</span>
        ))}
        <span class="muted"> requests per hour (UTC)</span>
      </figcaption>
    </figure>
  );
}
