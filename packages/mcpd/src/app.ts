import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { handleError } from './errors.js';
import { registerAuthentication } from './plugins/authenticate.js';
import { auditRoutes } from './routes/audit-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { inferenceRoutes } from './routes/inference-routes.js';
import { llmRoutes } from './routes/llm-routes.js';
import { openAiRoutes } from './routes/open-ai-routes.js';
import { providerRoutes } from './routes/provider-routes.js';
import { statusRoutes } from './routes/status-routes.js';
import type { Services } from './services/services.js';

export interface AppOptions {
  logger: Logger;
  bodyLimitBytes: number;
}

/** The HTTP face of mcpd; every rule lives in the services it is given. */
export function buildApp(services: Services, options: AppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    // One log line per request would cost more than the proxying itself; inference is audited.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    // In-flight relays still need their publishers' result posts while mcpd drains.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route for ${request.method} ${request.url.split('?', 1)[0]}` });
  });
  registerAuthentication(app, services.auth);

  healthRoutes(app, services);
  statusRoutes(app, services);
  providerRoutes(app, services);
  llmRoutes(app, services);
  inferenceRoutes(app, services);
  openAiRoutes(app, services);
  auditRoutes(app, services);
  return app;
}
