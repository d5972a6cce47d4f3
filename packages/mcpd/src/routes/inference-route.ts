import type { FastifyReply, FastifyRequest, onErrorHookHandler } from 'fastify';
import { MODEL_NAME_MAX_LENGTH } from '@mcpctl/protocol';
import { httpErrorFor } from '../errors.js';
import { CallerGoneError } from '../inference/upstream-call.js';
import { limitPerUser } from '../plugins/limit-per-user.js';
import { CALLER_GONE_STATUS, type InferenceRefusal } from '../services/inference-service.js';
import type { Services } from '../services/services.js';

/** The LLM name of a refusal that named none mcpd could read (a body that is not JSON, a `model` past its limit, an agent's chat). */
export const NO_LLM_NAME = '-';

/** Requests whose inference wrote its own audit record: a later error of theirs is not recorded again. */
const recorded = new WeakSet<FastifyRequest>();
/** Requests found to name an agent (`/v1/chat/completions` with an agent's name as `model`). */
const agentChats = new WeakMap<FastifyRequest, string>();

/** What an inference call runs once its record is written (`InferenceCall.onRecorded`). */
export function noteRecorded(request: FastifyRequest): () => void {
  return () => recorded.add(request);
}

/** The request names the agent `name`: a refusal of it is an agent's, as on `agent.chat`. */
export function noteAgentChat(request: FastifyRequest, name: string): void {
  agentChats.set(request, name);
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
    // A caller that left while sending its body is one that left, as `run` records it, not a bad request.
    const answer = request.raw.readableAborted ? { statusCode: CALLER_GONE_STATUS, message: new CallerGoneError().message } : httpErrorFor(request, error);
    recordOnce(inference, request, () => refusalOf(request, reply, endpoint, answer));
    done();
  };
  return { onRequest: limitPerUser(limits.inference, 'inference requests', 'wait for some to finish'), onError, config: { inferenceEndpoint: endpoint } };
}

/**
 * A request cut for a stalled body (`body-timeout.ts` answers 408 on the raw response, and no
 * error reaches `onError`): recorded as refused when its route is an inference route.
 */
export function recordStalledInference(inference: Services['inference'], request: FastifyRequest, reply: FastifyReply, message: string): void {
  const endpoint = inferenceEndpointOf(request);
  if (endpoint === undefined) return;
  recordOnce(inference, request, () => refusalOf(request, reply, endpoint, { statusCode: 408, message }));
}

/** The API face (`chat.completions`, `infer`, `agent.chat`) of a request on an inference route, from its route options. */
export function inferenceEndpointOf(request: FastifyRequest): string | undefined {
  const endpoint = (request.routeOptions.config as { inferenceEndpoint?: unknown } | undefined)?.inferenceEndpoint;
  return typeof endpoint === 'string' ? endpoint : undefined;
}

function recordOnce(inference: Services['inference'], request: FastifyRequest, refusal: () => InferenceRefusal): void {
  if (!request.principal || recorded.has(request)) return;
  recorded.add(request);
  inference.recordRefusal(refusal());
}

/** The refused request as its record needs it: who, the name it asked for as far as it could be read, what it was answered. */
function refusalOf(request: FastifyRequest, reply: FastifyReply, endpoint: string, { statusCode, message }: { statusCode: number; message: string }): InferenceRefusal {
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as { model?: unknown; stream?: unknown }) : {};
  const named = (request.params as { name?: unknown } | undefined)?.name;
  const pathName = typeof named === 'string' ? named : undefined;
  const agentName = endpoint === 'agent.chat' ? pathName : agentChats.get(request);
  return {
    principal: request.principal,
    name: (agentName === undefined ? (pathName ?? modelOf(body.model)) : undefined) ?? NO_LLM_NAME,
    agentName,
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
