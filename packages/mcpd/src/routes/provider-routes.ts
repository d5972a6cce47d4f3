import type { FastifyInstance } from 'fastify';
import {
  PROVIDER_SESSION_HEADER,
  providerHeartbeatRequestSchema,
  providerRegisterRequestSchema,
  taskResultSchema,
  type ProviderRegisterResponse,
} from '@mcpctl/protocol';
import { z } from 'zod';
import { badRequest, describeZodError, notFound } from '../errors.js';
import { limitPerUser } from '../plugins/limit-per-user.js';
import { SseControlChannel } from '../relay/sse-control-channel.js';
import type { Services } from '../services/services.js';

/** Room for the JSON around an answer of the largest size (`{"status":200,"body":…}`). */
const RESULT_ENVELOPE_BYTES = 64 * 1024;

const taskParams = z.object({ taskId: z.string().min(1).max(256) });

/** The provider channel of SPEC §4.3, used by mcplocal. Its wire format is fixed. */
export function providerRoutes(app: FastifyInstance, services: Services): void {
  const { providers, providerSessions, llms, tasks } = services;

  app.post('/api/v1/llms/_provider-register', async (request, reply) => {
    services.shutdown.assertAccepting('new registrations');
    const body = providerRegisterRequestSchema.safeParse(request.body);
    if (!body.success) throw badRequest(describeZodError(body.error));
    const outcome = await providers.register(request.principal, body.data);
    const views = await Promise.all(outcome.names.map((name) => llms.get(request.principal, name)));
    const agentViews = await Promise.all(outcome.agentNames.map((name) => services.agents.get(request.principal, name)));
    const answer: ProviderRegisterResponse = { providerSessionId: outcome.providerSessionId, llms: views, agents: agentViews };
    return reply.code(201).send(answer);
  });

  app.post('/api/v1/llms/_provider-heartbeat', async (request) => {
    const body = providerHeartbeatRequestSchema.safeParse(request.body);
    if (!body.success) throw badRequest(describeZodError(body.error));
    await providerSessions.heartbeat(request.principal, body.data.providerSessionId, body.data.hibernating);
    return { ok: true };
  });

  const streamLimit = { onRequest: limitPerUser(services.limits.controlStreams, 'control streams') };
  app.get('/api/v1/llms/_provider-stream', streamLimit, async (request, reply) => {
    // A publisher reconnecting now should land on the process that replaces this one.
    services.shutdown.assertAccepting('new control streams');
    const header = request.headers[PROVIDER_SESSION_HEADER];
    const sessionId = await providerSessions.requireOwnSession(request.principal, typeof header === 'string' ? header : undefined);
    reply.hijack();
    const channel: SseControlChannel = new SseControlChannel(reply.raw, {
      sessionId,
      pingIntervalMs: services.pingIntervalMs,
      clock: services.clock,
      onClose: () => {
        providerSessions.streamClosed(sessionId, channel).catch((error: unknown) => {
          request.log.error({ err: error }, 'marking a closed session inactive failed');
        });
      },
    });
    await providerSessions.streamOpened(sessionId, channel, request.principal.tokenId);
  });

  const resultLimit = {
    onRequest: limitPerUser(services.limits.resultPosts, 'result posts'),
    // Answers are as large as models make them; the general body limit is for everything else.
    bodyLimit: services.maxResultBytes + RESULT_ENVELOPE_BYTES,
  };
  app.post('/api/v1/llms/_provider-task/:taskId/result', resultLimit, async (request) => {
    const { taskId } = taskParams.parse(request.params);
    const body = taskResultSchema.safeParse(request.body);
    if (!body.success) {
      const problem = describeZodError(body.error, 'task result');
      // A chunk that cannot be used would leave a silent gap in the caller's answer: it ends the task.
      if (isChunkResult(request.body)) {
        const ended = tasks.deliver(taskId, request.principal.userId, { error: `it sent a malformed chunk (${problem})` });
        if (!ended) throw notFound(`unknown or finished task: ${taskId}`);
        throw badRequest(`${problem}; the task is over`);
      }
      throw badRequest(problem);
    }
    // The task's sink throws a 400 for a chunk whose data it cannot use, after ending the task.
    if (!tasks.deliver(taskId, request.principal.userId, body.data)) throw notFound(`unknown or finished task: ${taskId}`);
    return { ok: true };
  });
}

function isChunkResult(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'chunk' in body;
}
