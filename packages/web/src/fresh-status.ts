import type { StatusView } from '@mcpctl/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';

/** At most this often the page reads `GET /api/v1/status` again while live events arrive. */
const STATUS_EVERY_MS = 5_000;

/**
 * Who the page is logged in as, read again when the live stream brings news. mcpd sends no event
 * of its own for a change of access, but it reads every caller's lists again at once when a token,
 * user or binding changes, and sends those that changed: news is the moment to ask whether the
 * role and grants changed too. `news` is whatever identifies the latest live data; reads are
 * spaced {@link STATUS_EVERY_MS} apart (the LLM list changes with every request's counters).
 */
export function useFreshStatus(token: string, first: StatusView, news: readonly unknown[]): StatusView {
  const [status, setStatus] = useState(first);
  const lastReadAt = useRef(Date.now());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const skipFirst = useRef(true);
  useEffect(() => () => clearTimeout(timer.current), []);
  useEffect(() => {
    if (skipFirst.current) {
      skipFirst.current = false;
      return;
    }
    if (timer.current !== undefined) return;
    const wait = Math.max(0, lastReadAt.current + STATUS_EVERY_MS - Date.now());
    timer.current = setTimeout(() => {
      timer.current = undefined;
      lastReadAt.current = Date.now();
      // A refused token logs the page out through api(); any other failure leaves the last
      // answer shown, and the header's connection state already says mcpd is out of reach.
      api<StatusView>(token, '/api/v1/status').then(setStatus, () => undefined);
    }, wait);
  }, news);
  return status;
}
