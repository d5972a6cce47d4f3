import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import { inferenceRoute } from './inference-route.js';
import { inferenceCall } from './inference-call.js';
import { settle } from './reply-caller.js';

const nameParams = z.object({ name: z.string().min(1) });

export function inferenceRoutes(app: FastifyInstance, { inference, limits }: Services): void {
  app.post('/api/v1/llms/:name/infer', inferenceRoute({ limits, inference }, 'infer'), async (request, reply) => {
    const { name } = nameParams.parse(request.params);
    await inference.run(inferenceCall(request, reply, name));
    return settle(reply);
  });
}
