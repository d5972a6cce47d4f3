import type { FastifyInstance } from 'fastify';
import { every } from '@mcpctl/clock';
import type { ProviderSessionView } from '@mcpctl/protocol';
import { limitPerUser } from '../plugins/limit-per-user.js';
import type { Services } from '../services/services.js';
import { sseHeaders } from '../transports/sse-headers.js';

/** A comment this often keeps proxies from closing a quiet event stream. */
const KEEPALIVE_MS = 15_000;

export function eventRoutes(app: FastifyInstance, services: Services): void {
  const { live, providerSessions, clock } = services;

  app.get('/api/v1/provider-sessions', async (request): Promise<ProviderSessionView[]> => providerSessions.list(request.principal));

  /**
   * The dashboard's live state (SSE): `llms`, `pools`, `agents` and `sessions` events, each the
   * whole list as the caller may see it, and `access` (the caller's role and grants); first all
   * five and then whichever changed. Read with
   * `fetch` (the token goes in the header, never in the URL).
   */
  app.get('/api/v1/events', { onRequest: limitPerUser(services.limits.eventStreams, 'event streams', 'close a dashboard tab') }, (request, reply) => {
    // A stopping mcpd takes no new watchers: the page retries, reaching a replica that stays.
    services.shutdown.assertHolding('event streams');
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, sseHeaders(response));
    // A page that lost the stream tries again after 3 s.
    response.write('retry: 3000\n\n');
    const writable = () => !response.writableEnded && !response.writableNeedDrain;
    const stopKeepalive = every(clock, KEEPALIVE_MS, () => {
      if (writable()) response.write(': keepalive\n\n');
    });
    const unsubscribe = live.subscribe(request.headers.authorization, {
      ready: writable,
      send: (event, json) => response.write(`event: ${event}\ndata: ${json}\n\n`),
      end: () => {
        if (!response.writableEnded) response.end();
      },
    });
    response.once('close', () => {
      stopKeepalive();
      unsubscribe();
    });
  });
}
