import type { FastifyInstance } from 'fastify';
import { agentCreateSchema, agentUpdateSchema } from '@mcpctl/protocol';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import { inferenceRoute } from './inference-route.js';
import { inferenceCall } from './inference-call.js';
import { settle } from './reply-caller.js';
import { parsePath } from './parse-request-part.js';

const idOrNameParams = z.object({ idOrName: z.string().min(1) });
const nameParams = z.object({ name: z.string().min(1) });

export function agentRoutes(app: FastifyInstance, { agents, agentChat, inference, limits }: Services): void {
  app.get('/api/v1/agents', async (request) => agents.list(request.principal));

  app.get('/api/v1/agents/:idOrName', async (request) => {
    const { idOrName } = parsePath(idOrNameParams, request.params);
    return agents.get(request.principal, idOrName);
  });

  app.post('/api/v1/agents', async (request, reply) => {
    const view = await agents.create(request.principal, agentCreateSchema.parse(request.body));
    return reply.code(201).send(view);
  });

  app.put('/api/v1/agents/:idOrName', async (request) => {
    const { idOrName } = parsePath(idOrNameParams, request.params);
    return agents.update(request.principal, idOrName, agentUpdateSchema.parse(request.body));
  });

  app.delete('/api/v1/agents/:idOrName', async (request, reply) => {
    const { idOrName } = parsePath(idOrNameParams, request.params);
    await agents.delete(request.principal, idOrName);
    return reply.code(204).send();
  });

  // Every chat here is kept in a thread: the request's `threadId`, or a new one.
  app.post('/api/v1/agents/:name/chat', inferenceRoute({ limits, inference }, 'agent.chat'), async (request, reply) => {
    const { name } = parsePath(nameParams, request.params);
    const call = inferenceCall(request, reply, name);
    await agentChat.chat({ ...call, agentName: name, keepThread: true });
    return settle(reply);
  });
}
