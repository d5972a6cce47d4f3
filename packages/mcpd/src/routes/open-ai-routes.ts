import type { FastifyInstance } from 'fastify';
import type { Model, ModelList } from '@mcpctl/protocol';
import type { Services } from '../services/services.js';
import { inferenceLimit } from './inference-limit.js';
import { inferenceCall } from './inference-call.js';
import { settle } from './reply-caller.js';

/**
 * The OpenAI-compatible face: any OpenAI SDK with baseURL `…/v1` and a token as key.
 * `model` names an LLM, else an agent, else a pool.
 */
export function openAiRoutes(app: FastifyInstance, { inference, llms, pools, agents, agentChat, models, limits }: Services): void {
  app.post('/v1/chat/completions', inferenceLimit(limits), async (request, reply) => {
    const call = inferenceCall(request, reply, 'chat.completions');
    if ((await models.kindOf(request.principal, call.name)) === 'agent') {
      await agentChat.chat({ ...call, agentName: call.name, keepThread: call.request.threadId !== undefined });
    } else {
      await inference.run(call);
    }
    return settle(reply);
  });

  app.get('/v1/models', async (request): Promise<ModelList> => {
    const [llmViews, agentViews, poolViews] = await Promise.all([
      llms.list(request.principal),
      agents.list(request.principal),
      pools.list(request.principal),
    ]);
    const taken = new Set<string>();
    const data: Model[] = [];
    const add = (id: string, created: string | number, ownedBy: string) => {
      if (taken.has(id)) return;
      taken.add(id);
      data.push({ id, object: 'model', created: typeof created === 'number' ? created : Math.floor(Date.parse(created) / 1000), owned_by: ownedBy });
    };
    for (const view of llmViews) add(view.name, view.createdAt, view.owner ?? 'mcpd');
    for (const view of agentViews) add(view.name, view.createdAt, 'agent');
    for (const pool of poolViews) add(pool.name, 0, 'pool');
    return { object: 'list', data };
  });
}
