import type { FastifyInstance } from 'fastify';
import { llmCreateSchema, llmUpdateSchema } from '@mcpctl/protocol';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import { parsePath } from './parse-request-part.js';

const idOrNameParams = z.object({ idOrName: z.string().min(1) });

export function llmRoutes(app: FastifyInstance, { llms }: Services): void {
  app.get('/api/v1/llms', async (request) => llms.list(request.principal));

  // An LLM, else a pool's view. Fastify answers HEAD from this route too: the cheap "may I see
  // it?" probe of mcplocal's failover.
  app.get('/api/v1/llms/:idOrName', async (request) => {
    const { idOrName } = parsePath(idOrNameParams, request.params);
    return llms.getLlmOrPool(request.principal, idOrName);
  });

  app.post('/api/v1/llms', async (request, reply) => {
    const view = await llms.create(request.principal, llmCreateSchema.parse(request.body));
    return reply.code(201).send(view);
  });

  app.put('/api/v1/llms/:idOrName', async (request) => {
    const { idOrName } = parsePath(idOrNameParams, request.params);
    return llms.update(request.principal, idOrName, llmUpdateSchema.parse(request.body));
  });

  app.delete('/api/v1/llms/:idOrName', async (request, reply) => {
    const { idOrName } = parsePath(idOrNameParams, request.params);
    await llms.delete(request.principal, idOrName);
    return reply.code(204).send();
  });
}
