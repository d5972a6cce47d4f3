import type { UsageHour } from '@mcpctl/protocol';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { hourSlots, labelled, labelStep, requestsText, seriesOf, UNKNOWN_KEY } from './usage-series.js';

/** The chart's width to share among the hours; a longer window gets narrower columns, not a wider page. */
const PLOT_WIDTH = 960;
/** Room on either side, so the first and last labels are not cut. */
const MARGIN = 24;
const HEIGHT = 140;

/**
 * Requests per hour over the whole window, one stacked column per hour, a colour per series. Every
 * hour has its place, so gaps show; labels fall on round hours far enough apart to read.
 */
export function HourlyChart({ hours, since, until }: { hours: UsageHour[]; since: string; until: string }) {
  const byHour = new Map<number, UsageHour[]>();
  for (const hour of hours) {
    const start = Date.parse(hour.hour);
    byHour.set(start, [...(byHour.get(start) ?? []), hour]);
  }
  const slots = hourSlots(since, until);
  const series = seriesOf(hours);
  // At least a pixel an hour: 30 days (720 hours) still fit a laptop's window.
  const pitch = Math.min(28, Math.max(1, PLOT_WIDTH / Math.max(1, slots.length)));
  const barWidth = Math.max(1, pitch * 0.75);
  const step = labelStep(pitch);
  const most = Math.max(1, ...[...byHour.values()].map((entries) => entries.reduce((sum, entry) => sum + entry.requests, 0)));
  const width = slots.length * pitch + 2 * MARGIN;
  const multiDay = slots.length > 24;
  // A chart wider than its box (a phone, a long window) opens at its newest hours, where the
  // traffic a person looks for is; the older ones are a scroll to the left.
  const figure = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    const box = figure.current;
    if (box) box.scrollLeft = box.scrollWidth;
  }, [since, until]);
  return (
    <figure class="chart" ref={figure}>
      <svg viewBox={`0 0 ${width} ${HEIGHT + 20}`} width={width} height={HEIGHT + 20} role="img" aria-label="requests per hour">
        <line x1={MARGIN} x2={width - MARGIN} y1={HEIGHT} y2={HEIGHT} stroke="#c9ced8" />
        {slots.map((start, index) => {
          const x = MARGIN + index * pitch;
          const iso = new Date(start).toISOString();
          const entries = byHour.get(start) ?? [];
          let top = HEIGHT;
          return (
            <g key={start} data-hour={iso}>
              {series.map((one) => {
                const counted = entries.filter((entry) => one.keys.has(entry.key ?? UNKNOWN_KEY));
                const requests = counted.reduce((sum, entry) => sum + entry.requests, 0);
                if (requests === 0) return null;
                const barHeight = (requests / most) * (HEIGHT - 10);
                top -= barHeight;
                // The "others" bar names those of its keys that had requests in this hour, and of how many.
                const names = one.keys.size === 1 ? (counted[0]?.key ?? UNKNOWN_KEY) : `${counted.map((entry) => entry.key ?? UNKNOWN_KEY).join(', ')} (${counted.length} of the ${one.label})`;
                return (
                  <rect key={one.label} data-series={one.label} x={x + (pitch - barWidth) / 2} y={top} width={barWidth} height={barHeight} fill={one.colour}>
                    <title>{`${iso.slice(0, 13)}:00 UTC ${names}: ${requestsText(requests)}`}</title>
                  </rect>
                );
              })}
              {labelled(start, step) && (
                <text x={x + pitch / 2} y={HEIGHT + 14} font-size="9" text-anchor="middle">{multiDay ? `${iso.slice(8, 10)}/${iso.slice(11, 13)}h` : `${iso.slice(11, 13)}h`}</text>
              )}
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
