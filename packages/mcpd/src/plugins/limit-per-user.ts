import type { onRequestAsyncHookHandler } from 'fastify';
import { tooManyRequests } from '../errors.js';
import type { PerUserLimit } from '../security/per-user-limit.js';

/**
 * A route hook holding one of the caller's slots of `limit` until the response is over —
 * answered, aborted, or (for a hijacked control stream) closed. Runs after authentication.
 */
export function limitPerUser(limit: PerUserLimit, what: string, remedy = 'close some before opening more'): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const release = limit.acquire(request.principal.userId);
    if (!release) throw tooManyRequests(`you already have ${limit.max} ${what} open; ${remedy}`, 1);
    reply.raw.once('close', release);
  };
}
