import type { FastifyInstance } from 'fastify';
import { roleBindingCreateSchema, roleBindingUpdateSchema } from '@mcpctl/protocol';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import { ACCOUNT_BODY_LIMIT_BYTES } from './user-routes.js';
import { parsePath } from './parse-request-part.js';

const nameParams = z.object({ name: z.string().min(1).max(256) });

export function roleBindingRoutes(app: FastifyInstance, { roleBindings }: Services): void {
  app.get('/api/v1/rolebindings', async (request) => roleBindings.list(request.principal));

  app.get('/api/v1/rolebindings/:name', async (request) => roleBindings.get(request.principal, parsePath(nameParams, request.params).name));

  app.post('/api/v1/rolebindings', { bodyLimit: ACCOUNT_BODY_LIMIT_BYTES }, async (request, reply) => {
    const view = await roleBindings.create(request.principal, roleBindingCreateSchema.parse(request.body));
    return reply.code(201).send(view);
  });

  app.put('/api/v1/rolebindings/:name', { bodyLimit: ACCOUNT_BODY_LIMIT_BYTES }, async (request) =>
    roleBindings.update(request.principal, parsePath(nameParams, request.params).name, roleBindingUpdateSchema.parse(request.body)),
  );

  app.delete('/api/v1/rolebindings/:name', async (request, reply) => {
    await roleBindings.delete(request.principal, parsePath(nameParams, request.params).name);
    return reply.code(204).send();
  });
}
