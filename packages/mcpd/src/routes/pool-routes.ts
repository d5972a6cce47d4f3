import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import { parsePath } from './parse-request-part.js';

const nameParams = z.object({ name: z.string().min(1) });

export function poolRoutes(app: FastifyInstance, { pools }: Services): void {
  app.get('/api/v1/pools', async (request) => pools.list(request.principal));

  app.get('/api/v1/pools/:name', async (request) => {
    const { name } = parsePath(nameParams, request.params);
    return pools.get(request.principal, name);
  });
}
