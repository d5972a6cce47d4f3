import type { FastifyInstance } from 'fastify';
import { userCreateSchema, userUpdateSchema } from '@mcpctl/protocol';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import { parsePath } from './parse-request-part.js';

/** Account documents are small; a larger body is a mistake or an attack. */
export const ACCOUNT_BODY_LIMIT_BYTES = 64 * 1024;

const nameParams = z.object({ name: z.string().min(1).max(256) });

export function userRoutes(app: FastifyInstance, { users }: Services): void {
  app.get('/api/v1/users', async (request) => users.list(request.principal));

  app.get('/api/v1/users/:name', async (request) => users.get(request.principal, parsePath(nameParams, request.params).name));

  app.post('/api/v1/users', { bodyLimit: ACCOUNT_BODY_LIMIT_BYTES }, async (request, reply) => {
    const view = await users.create(request.principal, userCreateSchema.parse(request.body));
    return reply.code(201).send(view);
  });

  app.put('/api/v1/users/:name', { bodyLimit: ACCOUNT_BODY_LIMIT_BYTES }, async (request) =>
    users.update(request.principal, parsePath(nameParams, request.params).name, userUpdateSchema.parse(request.body)),
  );

  app.delete('/api/v1/users/:name', async (request, reply) => {
    await users.delete(request.principal, parsePath(nameParams, request.params).name);
    return reply.code(204).send();
  });
}
