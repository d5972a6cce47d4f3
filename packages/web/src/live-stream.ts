import { createParser } from 'eventsource-parser';
import type { LiveEventName } from '@mcpctl/protocol';
import { failureOf } from './api.js';

/** The events the page knows; anything else a newer mcpd sends is left alone. */
const EVENTS: ReadonlySet<string> = new Set<LiveEventName>(['llms', 'pools', 'agents', 'sessions', 'access']);
/** mcpd writes at least a keepalive every 15 s: this long without a byte, the connection is dead (a laptop slept, a proxy dropped it). */
const SILENCE_MS = 45_000;
/** mcpd's `retry: 3000`: how long a lost stream waits before it is opened again. */
const RETRY_MS = 3_000;

/**
 * Where the stream stands: not yet opened, open, or lost (with why, and when mcpd was last heard).
 * `reached`: mcpd itself answered some attempt, if only to turn the stream down (too many open),
 * so the page does not claim it was never reached.
 */
export type LiveStatus = { phase: 'connecting' } | { phase: 'live' } | { phase: 'down'; error: string; lastHeardAt: number | undefined; reached: boolean };

/** What a stream reports; also what a tab sharing another tab's stream hears (`shared-live.ts`). */
export interface LiveListener {
  event(name: LiveEventName, data: unknown): void;
  status(status: LiveStatus): void;
  /** mcpd refused the token (401): the stream is not opened again. */
  refused(): void;
}

/**
 * `GET /api/v1/events`, read with fetch so the token stays in a header. A lost stream is opened
 * again after 3 s, to whichever replica the balancer picks. Returns a function that ends it.
 */
export function openLiveStream(token: string, listener: LiveListener): () => void {
  let stopped = false;
  let controller = new AbortController();
  let retry: ReturnType<typeof setTimeout> | undefined;
  let lastHeardAt: number | undefined;
  let reached = false;
  const connect = async () => {
    controller = new AbortController();
    try {
      const response = await fetch('/api/v1/events', { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
      if (response.status === 401) return listener.refused();
      // A proxy's 5xx is not mcpd's answer; mcpd's own refusal (429: too many streams open) is, and says why.
      if (response.status < 500) reached = true;
      if (!response.ok || !response.body) throw await failureOf(response);
      lastHeardAt = Date.now();
      listener.status({ phase: 'live' });
      const parser = createParser({
        onEvent: ({ event, data }) => {
          if (event && EVENTS.has(event)) listener.event(event as LiveEventName, JSON.parse(data) as unknown);
        },
      });
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      const current = controller;
      let silence = setTimeout(() => current.abort(new Error(`nothing heard from mcpd for ${SILENCE_MS / 1000} s`)), SILENCE_MS);
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          lastHeardAt = Date.now();
          clearTimeout(silence);
          silence = setTimeout(() => current.abort(new Error(`nothing heard from mcpd for ${SILENCE_MS / 1000} s`)), SILENCE_MS);
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } finally {
        clearTimeout(silence);
      }
      throw new Error('mcpd ended the stream');
    } catch (error) {
      if (stopped) return;
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      listener.status({ phase: 'down', error: reason instanceof Error ? reason.message : String(reason), lastHeardAt, reached });
      retry = setTimeout(() => void connect(), RETRY_MS);
    }
  };
  listener.status({ phase: 'connecting' });
  void connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    controller.abort();
  };
}
