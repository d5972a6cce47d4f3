import type { FastifyInstance } from 'fastify';
import { REQUEST_ID_HEADER } from '@mcpctl/protocol';

/**
 * Answers every request with its id (`x-request-id`), on the raw response so that streams
 * written past Fastify carry it as well. The id is mcpd's own (`genReqId`), never the caller's:
 * it is what the request's log lines and audit record are found by.
 */
export function registerRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
    done();
  });
}
