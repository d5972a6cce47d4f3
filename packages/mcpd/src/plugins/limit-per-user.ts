import type { onRequestHookHandler } from 'fastify';
import { tooManyRequests } from '../errors.js';
import type { PerUserLimit } from '../security/per-user-limit.js';

/**
 * A route hook holding one of the caller's slots of `limit` until the response is over —
 * answered, aborted, or (for a hijacked control stream) closed. Runs after authentication.
 * Synchronous (a callback, not an async function): it runs on every inference request.
 */
export function limitPerUser(limit: PerUserLimit, what: string, remedy = 'close some before opening more'): onRequestHookHandler {
  return (request, reply, done) => {
    const release = limit.acquire(request.principal.userId);
    if (!release) {
      done(tooManyRequests(`you already have ${limit.max} ${what} open; ${remedy}`, 1));
      return;
    }
    reply.raw.once('close', release);
    done();
  };
}
