import type { FastifyReply, FastifyRequest, onErrorHookHandler } from 'fastify';
import { MODEL_NAME_MAX_LENGTH } from '@mcpctl/protocol';
import { toHttpError } from '../errors.js';
import { limitPerUser } from '../plugins/limit-per-user.js';
import type { InferenceRefusal } from '../services/inference-service.js';
import type { Services } from '../services/services.js';

/** The LLM name of a refusal that named none mcpd could read (a body that is not JSON, a `model` past its limit, an agent's chat). */
export const NO_LLM_NAME = '-';

/** Requests whose inference wrote its own audit record: a later error of theirs is not recorded again. */
const recorded = new WeakSet<FastifyRequest>();

/** What an inference call runs once its record is written (`InferenceCall.onRecorded`). */
export function noteRecorded(request: FastifyRequest): () => void {
  return () => recorded.add(request);
}

/**
 * Route options of an inference route: one of the caller's inference slots for as long as the
 * request lasts, and an audit record for a refusal that came before the inference itself could
 * write one (the per-user cap's 429, a body that is not a request, an agent or thread the caller
 * may not use), so every inference request of a known caller is in the audit and the metrics,
 * as SPEC §4.2 asks. A caller without a valid token gets none: the failed-auth limiter is there
 * for those.
 */
export function inferenceRoute({ limits, inference }: Pick<Services, 'limits' | 'inference'>, endpoint: string) {
  const onError: onErrorHookHandler = (request, reply, error, done) => {
    if (request.principal && !recorded.has(request)) inference.recordRefusal(refusalOf(request, reply, error, endpoint));
    done();
  };
  return { onRequest: limitPerUser(limits.inference, 'inference requests', 'wait for some to finish'), onError };
}

function refusalOf(request: FastifyRequest, reply: FastifyReply, error: unknown, endpoint: string): InferenceRefusal {
  const { statusCode, message } = toHttpError(error);
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as { model?: unknown; stream?: unknown }) : {};
  const named = (request.params as { name?: unknown } | undefined)?.name;
  const pathName = typeof named === 'string' ? named : undefined;
  const agentChat = endpoint === 'agent.chat';
  return {
    principal: request.principal,
    name: (agentChat ? undefined : (pathName ?? modelOf(body.model))) ?? NO_LLM_NAME,
    agentName: agentChat ? pathName : undefined,
    endpoint,
    streaming: body.stream === true,
    status: statusCode,
    error: message,
    latencyMs: reply.elapsedTime,
    requestId: request.id,
  };
}

/** The body's `model`, when it is one a request may name: a longer one is the caller's junk, not a name. */
function modelOf(model: unknown): string | undefined {
  return typeof model === 'string' && model.length > 0 && model.length <= MODEL_NAME_MAX_LENGTH ? model : undefined;
}
