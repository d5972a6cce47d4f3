import type { FastifyInstance } from 'fastify';
import { chatCompletionRequestSchema } from '@mcpctl/protocol';
import { z } from 'zod';
import { badRequest, describeZodError } from '../errors.js';
import type { Services } from '../services/services.js';
import { replyCaller, settle } from './reply-caller.js';

const nameParams = z.object({ name: z.string().min(1) });

export function inferenceRoutes(app: FastifyInstance, { inference }: Services): void {
  app.post('/api/v1/llms/:name/infer', async (request, reply) => {
    const { name } = nameParams.parse(request.params);
    const body = chatCompletionRequestSchema.safeParse(request.body);
    if (!body.success) throw badRequest(describeZodError(body.error));
    await inference.run({ principal: request.principal, name, request: body.data, endpoint: 'infer', caller: replyCaller(reply) });
    return settle(reply);
  });
}
