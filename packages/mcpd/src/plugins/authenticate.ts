import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../services/auth-service.js';
import type { Principal } from '../rbac/principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every route but the public probes. */
    principal: Principal;
  }
}

/**
 * The health probes need no token; `/metrics` checks its own (an admin's or the scrape token);
 * the dashboard's files hold no data (the page asks the API with the token it is given), and `/`
 * only sends a browser there.
 */
const PUBLIC_PATHS = new Set(['/', '/healthz', '/readyz', '/metrics']);
const isPublic = (path: string) => PUBLIC_PATHS.has(path) || path === '/ui' || path.startsWith('/ui/');

/** Bearer authentication in front of every route but the health probes. */
export function registerAuthentication(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('principal', null as unknown as Principal);
  // A callback, not an async function: a token verified a moment ago (nearly every request)
  // is let through without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (isPublic(path)) {
      done();
      return;
    }
    const known = auth.knownPrincipal(request.headers.authorization);
    if (known) {
      request.principal = known;
      done();
      return;
    }
    auth.authenticate(request.headers.authorization, request.ip).then((principal) => {
      request.principal = principal;
      done();
    }, done);
  });
}
