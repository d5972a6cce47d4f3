import type { FastifyInstance } from 'fastify';
import type { Model, ModelList } from '@mcpctl/protocol';
import type { Services } from '../services/services.js';
import { inferenceRoute, noteAgentChat } from './inference-route.js';
import { OPEN_AI_ENDPOINT } from '../inference/inference-backend.js';
import { inferenceCall } from './inference-call.js';
import { settle } from './reply-caller.js';

/**
 * The OpenAI-compatible face: any OpenAI SDK with baseURL `…/v1` and a token as key.
 * `model` names an LLM, else an agent, else a pool.
 */
export function openAiRoutes(app: FastifyInstance, { inference, agentChat, models, modelList, limits }: Services): void {
  app.post('/v1/chat/completions', inferenceRoute({ limits, inference }, OPEN_AI_ENDPOINT), async (request, reply) => {
    const call = inferenceCall(request, reply);
    if ((await models.kindOf(request.principal, call.name)) === 'agent') {
      noteAgentChat(request, call.name);
      await agentChat.chat({ ...call, agentName: call.name, keepThread: call.request.threadId !== undefined });
    } else {
      await inference.run(call);
    }
    return settle(reply);
  });

  app.get('/v1/models', async (request): Promise<ModelList> => modelList.list(request.principal));
  app.get<{ Params: { model: string } }>('/v1/models/:model', async (request): Promise<Model> => modelList.get(request.principal, request.params.model));
}
