import { createParser } from 'eventsource-parser';
import type { LiveEventData, LiveEventName } from '@mcpctl/protocol';

/** The events the page knows; anything else a newer mcpd sends is left alone. */
const EVENTS: ReadonlySet<string> = new Set<LiveEventName>(['llms', 'pools', 'agents', 'sessions']);
/** mcpd writes at least a keepalive every 15 s: this long without a byte, the connection is dead (a laptop slept, a proxy dropped it). */
const SILENCE_MS = 45_000;
import { useEffect, useState } from 'preact/hooks';

/** Why the page asks for a token again when mcpd stops taking the one it has. */
export const REFUSED = 'mcpd refused your token: it was revoked or has expired. Paste a new one.';

export type LiveState = { [Name in LiveEventName]?: LiveEventData[Name] } & { connected: boolean; error?: string };

/**
 * The live state mcpd pushes (`GET /api/v1/events`), read with fetch so the token stays in a
 * header. A lost stream is opened again after 3 s; a refused token logs the page out.
 */
export function useLive(token: string, onRefused: (reason: string) => void): LiveState {
  const [state, setState] = useState<LiveState>({ connected: false });
  useEffect(() => {
    let stopped = false;
    let controller = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = async () => {
      controller = new AbortController();
      try {
        const response = await fetch('/api/v1/events', { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
        if (response.status === 401) return onRefused(REFUSED);
        if (!response.ok || !response.body) throw new Error(`mcpd answered ${response.status}`);
        setState((previous) => ({ ...previous, connected: true, error: undefined }));
        const parser = createParser({
          onEvent: ({ event, data }) => {
            if (!event || !EVENTS.has(event)) return;
            setState((previous) => ({ ...previous, [event]: JSON.parse(data) as unknown }));
          },
        });
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        const current = controller;
        let silence = setTimeout(() => current.abort(), SILENCE_MS);
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            clearTimeout(silence);
            silence = setTimeout(() => current.abort(), SILENCE_MS);
            parser.feed(decoder.decode(value, { stream: true }));
          }
        } finally {
          clearTimeout(silence);
        }
        throw new Error('the stream ended');
      } catch (error) {
        if (stopped) return;
        setState((previous) => ({ ...previous, connected: false, error: error instanceof Error ? error.message : String(error) }));
        retry = setTimeout(() => void connect(), 3_000);
      }
    };
    void connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      controller.abort();
    };
  }, [token]);
  return state;
}
