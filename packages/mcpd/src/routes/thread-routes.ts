import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import { parsePath } from './parse-request-part.js';

const idParams = z.object({ id: z.string().min(1) });

/** A user's own threads; anyone else's are 404. */
export function threadRoutes(app: FastifyInstance, { threads }: Services): void {
  app.get('/api/v1/threads', async (request) => threads.list(request.principal));

  app.get('/api/v1/threads/:id', async (request) => threads.get(request.principal, parsePath(idParams, request.params).id));

  app.delete('/api/v1/threads/:id', async (request, reply) => {
    await threads.delete(request.principal, parsePath(idParams, request.params).id);
    return reply.code(204).send();
  });
}
