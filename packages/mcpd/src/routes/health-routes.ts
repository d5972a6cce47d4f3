import type { FastifyInstance } from 'fastify';
import type { HealthView } from '@mcpctl/protocol';
import type { Services } from '../services/services.js';

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
      await services.database.ping();
      return { status: 'ok' };
    } catch (error) {
      void reply.code(503);
      return { status: 'unavailable', reason: `database unreachable: ${(error as Error).message}` };
    }
  });
}
