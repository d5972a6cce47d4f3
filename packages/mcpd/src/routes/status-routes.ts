import type { FastifyInstance } from 'fastify';
import type { StatusView } from '@mcpctl/protocol';
import type { Services } from '../services/services.js';
import { MCPD_VERSION } from '../version.js';

export function statusRoutes(app: FastifyInstance, services: Services): void {
  app.get('/api/v1/status', async (request): Promise<StatusView> => {
    const { principal } = request;
    // The role is the user row's, which the principal does not carry: everyone may read their own.
    const { role } = await services.users.get(principal, principal.userName);
    // Which replicas run, and which one answered, is for an operator; their ids name hosts.
    const replicas = principal.admin ? await services.presence?.replicasAlive() : undefined;
    return {
      user: { id: principal.userId, name: principal.userName, admin: principal.admin, role, grants: principal.permissions.describe() },
      server: {
        version: MCPD_VERSION,
        database: services.database.driver,
        uptimeSeconds: Math.round((services.clock.now().getTime() - services.startedAt.getTime()) / 1000),
        ...(replicas ? { replica: replicas.self, replicas: replicas.alive } : {}),
      },
    };
  });

  app.get('/metrics', async (request, reply) => {
    await services.metricsAccess.authorize(request.headers.authorization, request.ip);
    void reply.type(services.metrics.registry.contentType);
    return services.metrics.render();
  });
}
