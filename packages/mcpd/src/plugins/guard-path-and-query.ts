import type { FastifyInstance } from 'fastify';
import { badRequest, echo } from '../errors.js';
import { findUnstorableText } from '../security/find-unstorable-text.js';

/**
 * Refuses a NUL character in a path parameter or query value with 400, before authentication
 * and every route: a `%00` in a name used to reach PostgreSQL and come back as a 500.
 * (Percent-encoded bytes that are not UTF-8 never get this far: the router answers 400.)
 */
export function registerPathAndQueryGuard(app: FastifyInstance): void {
  // A callback, not an async function: it runs on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    const inPath = findUnstorableText(request.params);
    if (inPath) {
      done(badRequest(`invalid path: ${echo(inPath.path)} ${inPath.problem}`));
      return;
    }
    const inQuery = findUnstorableText(request.query);
    if (inQuery) {
      done(badRequest(`invalid query: ${inQuery.path ? `${echo(inQuery.path)} ` : ''}${inQuery.problem}`));
      return;
    }
    done();
  });
}
