import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { echo, handleError } from '../errors.js';
import { registerAuthentication } from '../plugins/authenticate.js';
import { registerCloseConnectionsWhileDraining } from '../plugins/close-connections-while-draining.js';
import { registerBodyTimeout } from '../plugins/body-timeout.js';
import { registerPathAndQueryGuard } from '../plugins/guard-path-and-query.js';
import { registerJsonBodyParser } from '../plugins/json-body-parser.js';
import { auditRoutes } from '../routes/audit-routes.js';
import { eventRoutes } from '../routes/event-routes.js';
import { uiRoutes } from '../routes/ui-routes.js';
import { healthRoutes } from '../routes/health-routes.js';
import { inferenceRoutes } from '../routes/inference-routes.js';
import { llmRoutes } from '../routes/llm-routes.js';
import { openAiRoutes } from '../routes/open-ai-routes.js';
import { poolRoutes } from '../routes/pool-routes.js';
import { agentRoutes } from '../routes/agent-routes.js';
import { threadRoutes } from '../routes/thread-routes.js';
import { providerRoutes } from '../routes/provider-routes.js';
import { roleBindingRoutes } from '../routes/role-binding-routes.js';
import { tokenRoutes } from '../routes/token-routes.js';
import { userRoutes } from '../routes/user-routes.js';
import { statusRoutes } from '../routes/status-routes.js';
import { recordStalledInference } from '../routes/inference-route.js';
import type { Services } from '../services/services.js';
import { lazyRequestLogger } from '../plugins/lazy-request-logger.js';
import { registerRequestId } from '../plugins/request-id.js';
import { generateRequestId } from '../security/token.js';

export interface AppOptions {
  logger: Logger;
  bodyLimitBytes: number;
  /** Longest silence inside a request body before the request is cut with 408 (default 30 s). */
  bodyTimeoutMs?: number;
  /** Fastify's `trustProxy`: decides the client address the failed-authentication limit counts by. */
  trustProxy?: boolean | string[];
}

/** The HTTP face of mcpd; every rule lives in the services it is given. */
export function buildApp(services: Services, options: AppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    // One log line per request would cost more than the proxying itself; inference is audited.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy ?? false,
    // In-flight relays still need their publishers' result posts while mcpd drains.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // A URL the router cannot decode gets the same one-line `{"error"}` as everything else.
    frameworkErrors: handleError,
    // Unique across replicas and restarts, unlike Fastify's counter: a user quotes it to find a call.
    genReqId: () => generateRequestId(services.clock.now().getTime()),
  }) as unknown as FastifyInstance;

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route for ${request.method} ${echo(request.url.split('?', 1)[0] ?? '')}` });
  });
  registerRequestId(app);
  registerCloseConnectionsWhileDraining(app, services.shutdown);
  registerBodyTimeout(app, options.bodyTimeoutMs ?? 30_000, (request, reply, message) => recordStalledInference(services.inference, request, reply, message));
  registerPathAndQueryGuard(app);
  registerJsonBodyParser(app);
  registerAuthentication(app, services.auth);

  healthRoutes(app, services);
  statusRoutes(app, services);
  providerRoutes(app, services);
  llmRoutes(app, services);
  inferenceRoutes(app, services);
  poolRoutes(app, services);
  agentRoutes(app, services);
  threadRoutes(app, services);
  openAiRoutes(app, services);
  auditRoutes(app, services);
  eventRoutes(app, services);
  uiRoutes(app);
  userRoutes(app, services);
  tokenRoutes(app, services);
  roleBindingRoutes(app, services);
  return app;
}
