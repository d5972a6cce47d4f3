import type { FastifyInstance } from 'fastify';
import type { Model, ModelList } from '@mcpctl/protocol';
import type { Services } from '../services/services.js';
import { inferenceCall } from './inference-call.js';
import { settle } from './reply-caller.js';

/** The OpenAI-compatible face: any OpenAI SDK with baseURL `…/v1` and a token as key. */
export function openAiRoutes(app: FastifyInstance, { inference, llms, pools }: Services): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    await inference.run(inferenceCall(request, reply, 'chat.completions'));
    return settle(reply);
  });

  // LLMs first, then pools whose name is not also an LLM's (an LLM name wins).
  app.get('/v1/models', async (request): Promise<ModelList> => {
    const [views, poolViews] = await Promise.all([llms.list(request.principal), pools.list(request.principal)]);
    const names = new Set(views.map((view) => view.name));
    const data: Model[] = views.map((view) => ({
      id: view.name,
      object: 'model',
      created: Math.floor(Date.parse(view.createdAt) / 1000),
      owned_by: view.owner ?? 'mcpd',
    }));
    for (const pool of poolViews) {
      if (!names.has(pool.name)) data.push({ id: pool.name, object: 'model', created: 0, owned_by: 'pool' });
    }
    return { object: 'list', data };
  });
}
