import type { LiveEventName } from '@mcpctl/protocol';
import { openLiveStream, type LiveListener, type LiveStatus } from './live-stream.js';

/** What the tab holding the stream tells the others over their BroadcastChannel. */
type SharedMessage =
  | { type: 'event'; name: LiveEventName; data: unknown }
  | { type: 'status'; status: LiveStatus }
  | { type: 'refused' }
  /** A tab that just joined asks for what it missed. */
  | { type: 'hello' };

/**
 * The live state, with one `GET /api/v1/events` for every tab of this browser logged in with the
 * same token. A browser gives an origin 6 HTTP/1.1 connections: six tabs each holding a stream
 * would leave none for anything else, and the seventh tab would hang. So the tabs elect one
 * (a Web Lock named after the token's hash), which holds the stream and passes every event on
 * over a BroadcastChannel of the same name; when it closes, the lock passes to another tab,
 * which opens the stream in turn. Tabs with different tokens never share. Where the browser has
 * no Web Locks (a page served over plain http from an address other than localhost is not a
 * secure context), each tab holds its own stream. Returns a function that leaves.
 */
export function joinLive(token: string, listener: LiveListener): () => void {
  if (!('locks' in navigator) || typeof BroadcastChannel === 'undefined' || !crypto.subtle) return openLiveStream(token, listener);
  let left = false;
  let leave = () => {
    left = true;
  };
  void channelName(token).then((name) => {
    if (!left) leave = share(name, token, listener);
  });
  return () => leave();
}

function share(name: string, token: string, listener: LiveListener): () => void {
  const channel = new BroadcastChannel(name);
  const release = new AbortController();
  let leading = false;
  // What the leader has heard, for a tab that joins later.
  const latest = new Map<LiveEventName, unknown>();
  let status: LiveStatus = { phase: 'connecting' };
  const post = (message: SharedMessage) => channel.postMessage(message);

  channel.onmessage = ({ data }: MessageEvent<SharedMessage>) => {
    if (leading) {
      if (data.type !== 'hello') return;
      for (const [event, value] of latest) post({ type: 'event', name: event, data: value });
      post({ type: 'status', status });
      return;
    }
    if (data.type === 'event') listener.event(data.name, data.data);
    else if (data.type === 'status') listener.status(data.status);
    else if (data.type === 'refused') listener.refused();
  };
  listener.status(status);
  post({ type: 'hello' });

  // Granted to one tab at a time, in the order they asked; held until the tab leaves or closes.
  navigator.locks
    .request(name, { signal: release.signal }, async () => {
      leading = true;
      const stop = openLiveStream(token, {
        event: (event, data) => {
          latest.set(event, data);
          listener.event(event, data);
          post({ type: 'event', name: event, data });
        },
        status: (now) => {
          status = now;
          listener.status(now);
          post({ type: 'status', status: now });
        },
        refused: () => {
          listener.refused();
          post({ type: 'refused' });
        },
      });
      await new Promise<void>((resolve) => release.signal.addEventListener('abort', () => resolve(), { once: true }));
      stop();
    })
    .catch((error: unknown) => {
      // Leaving while still waiting for the lock aborts the request: nothing to do.
      if (!release.signal.aborted) throw error;
    });

  return () => {
    release.abort();
    channel.close();
  };
}

/** A channel and lock name per token that does not carry the token: the first 16 bytes of its SHA-256. */
async function channelName(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return `mcpctl-live-${[...digest.subarray(0, 16)].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
