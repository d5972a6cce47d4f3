import type { FastifyInstance } from 'fastify';
import { chatCompletionRequestSchema, type ModelList } from '@mcpctl/protocol';
import { badRequest, describeZodError } from '../errors.js';
import type { Services } from '../services/services.js';
import { replyCaller, settle } from './reply-caller.js';

/** The OpenAI-compatible face: any OpenAI SDK with baseURL `…/v1` and a token as key. */
export function openAiRoutes(app: FastifyInstance, { inference, llms }: Services): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const body = chatCompletionRequestSchema.safeParse(request.body);
    if (!body.success) throw badRequest(describeZodError(body.error));
    if (!body.data.model) throw badRequest('invalid request body: model: name the LLM to use');
    await inference.run({
      principal: request.principal,
      name: body.data.model,
      request: body.data,
      endpoint: 'chat.completions',
      caller: replyCaller(reply),
    });
    return settle(reply);
  });

  app.get('/v1/models', async (request): Promise<ModelList> => {
    const views = await llms.list(request.principal);
    return {
      object: 'list',
      data: views.map((view) => ({
        id: view.name,
        object: 'model',
        created: Math.floor(Date.parse(view.createdAt) / 1000),
        owned_by: view.owner ?? 'mcpd',
      })),
    };
  });
}
