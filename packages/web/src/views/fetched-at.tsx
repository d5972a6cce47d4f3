import { utcTime } from '../format.js';

/**
 * A Refresh button and when the figures shown were read (`as of 18:04:59 UTC`), for the views
 * that read mcpd once rather than following the live stream.
 */
export function FetchedAt({ at, loading, onRefresh }: { at: number | undefined; loading: boolean; onRefresh: () => void }) {
  return (
    <span class="fetched">
      <button type="button" name="refresh" disabled={loading} onClick={onRefresh}>{loading ? 'Refreshing…' : 'Refresh'}</button>
      {at !== undefined && <span class="muted" data-fetched-at> as of {utcTime(at)} UTC</span>}
    </span>
  );
}
