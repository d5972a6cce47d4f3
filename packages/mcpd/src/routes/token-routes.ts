import type { FastifyInstance } from 'fastify';
import { tokenCreateSchema } from '@mcpctl/protocol';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import { ACCOUNT_BODY_LIMIT_BYTES } from './user-routes.js';
import { parsePath, parseQuery } from './parse-request-part.js';

const idOrNameParams = z.object({ idOrName: z.string().min(1).max(256) });
const ownerQuery = z.object({ user: z.string().min(1).max(256).optional() });

export function tokenRoutes(app: FastifyInstance, { tokens }: Services): void {
  app.get('/api/v1/tokens', async (request) => tokens.list(request.principal));

  // The one answer that carries the token itself; it is never shown again.
  app.post('/api/v1/tokens', { bodyLimit: ACCOUNT_BODY_LIMIT_BYTES }, async (request, reply) => {
    const created = await tokens.create(request.principal, tokenCreateSchema.parse(request.body ?? {}));
    return reply.code(201).header('cache-control', 'no-store').send(created);
  });

  // `?user=NAME` picks whose token a name refers to; an id needs no user.
  app.delete('/api/v1/tokens/:idOrName', async (request, reply) => {
    const { idOrName } = parsePath(idOrNameParams, request.params);
    await tokens.delete(request.principal, idOrName, parseQuery(ownerQuery, request.query).user);
    return reply.code(204).send();
  });
}
