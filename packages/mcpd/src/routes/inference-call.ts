import type { FastifyReply, FastifyRequest } from 'fastify';
import { chatCompletionRequestSchema, HOP_HEADER, WAIT_SECONDS_HEADER } from '@mcpctl/protocol';
import { badRequest, describeZodError } from '../errors.js';
import type { InferenceCall } from '../inference/inference-backend.js';
import { parseHops } from '../inference/hop-guard.js';
import { inferenceEndpointOf, noteRecorded } from './inference-route.js';
import { replyCaller } from './reply-caller.js';

/** Reads what every inference route shares: the body, the wait header, the caller; its API face is the route's (`inferenceRoute`). */
export function inferenceCall(request: FastifyRequest, reply: FastifyReply, name?: string): InferenceCall {
  const endpoint = inferenceEndpointOf(request);
  if (endpoint === undefined) throw new Error(`${request.routeOptions.url ?? request.url} is not an inference route: give it inferenceRoute's options`);
  const body = chatCompletionRequestSchema.safeParse(request.body);
  if (!body.success) throw badRequest(describeZodError(body.error));
  const llmName = name ?? body.data.model;
  if (!llmName) throw badRequest('invalid request body: model: name the LLM to use');
  return {
    principal: request.principal,
    name: llmName,
    request: body.data,
    endpoint,
    caller: replyCaller(reply),
    waitSeconds: waitSeconds(request.headers[WAIT_SECONDS_HEADER]),
    hops: parseHops(request.headers[HOP_HEADER]),
    requestId: request.id,
    onRecorded: noteRecorded(request),
  };
}

function waitSeconds(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isFinite(value) || value <= 0 || value > 3600) {
    throw badRequest(`${WAIT_SECONDS_HEADER} must be a number of seconds between 0 and 3600`);
  }
  return value;
}
