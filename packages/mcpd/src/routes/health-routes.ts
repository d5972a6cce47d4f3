import type { FastifyInstance } from 'fastify';
import { raced, withDeadline } from '@mcpctl/clock';
import type { HealthView } from '@mcpctl/protocol';
import type { Services } from '../services/services.js';

/**
 * How long `/readyz` waits for the database. A busy embedded database answers after the
 * statement in progress (a month's usage takes a second or two); one that does not answer in
 * this long is stuck, and a balancer should hear so rather than wait on the probe.
 */
const PING_TIMEOUT_MS = 5_000;

export function healthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/healthz', async (): Promise<HealthView> => ({ status: 'ok' }));

  // Migrations run before the server listens, so a database that answers means ready.
  app.get('/readyz', async (_request, reply): Promise<HealthView> => {
    // A draining process still finishes its work; balancers should send new work elsewhere.
    if (services.shutdown.leaving) {
      void reply.code(503);
      return { status: 'unavailable', reason: 'shutting down' };
    }
    try {
      await withDeadline(services.clock, PING_TIMEOUT_MS, { reason: () => new Error(`no answer within ${PING_TIMEOUT_MS / 1000} s`) }, (signal) => raced(services.database.ping(), signal));
      return { status: 'ok' };
    } catch (error) {
      void reply.code(503);
      return { status: 'unavailable', reason: `database unreachable: ${(error as Error).message}` };
    }
  });
}
