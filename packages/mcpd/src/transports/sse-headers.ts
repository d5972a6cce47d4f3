import type { ServerResponse } from 'node:http';

/**
 * The head of every event stream mcpd answers (inference, the dashboard's events, a publisher's
 * control stream). `Connection` follows the response: `keep-alive`, or `close` once mcpd drains
 * for a stop (`registerCloseConnectionsWhileDraining` marks every response from then on), so that
 * a client's next request goes to a replica that stays; a fixed `keep-alive` overrode that mark.
 */
export function sseHeaders(response: ServerResponse, headers: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: response.shouldKeepAlive ? 'keep-alive' : 'close',
    // Tells nginx-style proxies not to buffer the stream.
    'x-accel-buffering': 'no',
    ...headers,
  };
}
