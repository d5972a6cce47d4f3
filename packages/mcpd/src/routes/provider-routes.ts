import type { FastifyInstance } from 'fastify';
import {
  PROVIDER_SOCKET_PATH,
  providerHeartbeatRequestSchema,
  providerRegisterRequestSchema,
  type ProviderRegisterResponse,
} from '@mcpctl/protocol';
import { z } from 'zod';
import { badRequest, describeZodError, logFailure } from '../errors.js';
import { limitPerUser } from '../plugins/limit-per-user.js';
import { SseControlChannel } from '../transports/sse-control-channel.js';
import type { Services } from '../services/services.js';
import { controlConnectionLimit, openSession, RESULT_ENVELOPE_BYTES, sessionToOpen } from './control-connection.js';
import { providerSocketRoute } from './provider-socket-route.js';
import { parsePath } from './parse-request-part.js';

const taskParams = z.object({ taskId: z.string().min(1).max(256) });

/** The provider channel of SPEC §4.3, used by mcplocal. Its wire format is fixed. */
export function providerRoutes(app: FastifyInstance, services: Services): void {
  const { providers, providerSessions, llms } = services;

  app.post('/api/v1/llms/_provider-register', async (request, reply) => {
    services.shutdown.assertAccepting('new registrations');
    const body = providerRegisterRequestSchema.safeParse(request.body);
    if (!body.success) throw badRequest(describeZodError(body.error));
    const outcome = await providers.register(request.principal, body.data);
    const views = await Promise.all(outcome.names.map((name) => llms.get(request.principal, name)));
    const agentViews = await Promise.all(outcome.agentNames.map((name) => services.agents.get(request.principal, name)));
    const answer: ProviderRegisterResponse = { providerSessionId: outcome.providerSessionId, llms: views, agents: agentViews, takesResultSeq: true };
    // Publishers that know the socket use it; older ones ignore the field and speak SSE + POST.
    if (services.providerSocket) answer.providerSocketPath = PROVIDER_SOCKET_PATH;
    return reply.code(201).send(answer);
  });

  app.post('/api/v1/llms/_provider-heartbeat', async (request) => {
    const body = providerHeartbeatRequestSchema.safeParse(request.body);
    if (!body.success) throw badRequest(describeZodError(body.error));
    await providerSessions.heartbeat(request.principal, body.data.providerSessionId, body.data);
    return { ok: true };
  });

  app.get('/api/v1/llms/_provider-stream', controlConnectionLimit(services), async (request, reply) => {
    const sessionId = await sessionToOpen(request, services);
    reply.hijack();
    const channel: SseControlChannel = new SseControlChannel(reply.raw, {
      sessionId,
      pingIntervalMs: services.pingIntervalMs,
      maxBacklogBytes: services.controlBacklogBytes,
      clock: services.clock,
      onError: (error) => request.log.warn({ err: error }, 'a provider stream failed'),
      onClose: () => {
        providerSessions.streamClosed(sessionId, channel).catch((error: unknown) => logFailure(request.log, error, 'marking a closed session inactive failed'));
      },
    });
    await openSession(request, services, sessionId, channel);
  });

  const resultLimit = {
    onRequest: limitPerUser(services.limits.resultPosts, 'result posts'),
    // Answers are as large as models make them; the general body limit is for everything else.
    bodyLimit: services.maxResultBytes + RESULT_ENVELOPE_BYTES,
  };
  app.post('/api/v1/llms/_provider-task/:taskId/result', resultLimit, async (request) => {
    const { taskId } = parsePath(taskParams, request.params);
    await services.router.accept(taskId, request.principal.userId, [request.body], 'post');
    return { ok: true };
  });

  if (services.providerSocket) providerSocketRoute(app, services);
}
