import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import { inferenceRoute } from './inference-route.js';
import { inferenceCall } from './inference-call.js';
import { settle } from './reply-caller.js';
import { parsePath } from './parse-request-part.js';

const nameParams = z.object({ name: z.string().min(1) });

export function inferenceRoutes(app: FastifyInstance, { inference, limits }: Services): void {
  app.post('/api/v1/llms/:name/infer', inferenceRoute({ limits, inference }, 'infer'), async (request, reply) => {
    const { name } = parsePath(nameParams, request.params);
    await inference.run(inferenceCall(request, reply, name));
    return settle(reply);
  });
}
