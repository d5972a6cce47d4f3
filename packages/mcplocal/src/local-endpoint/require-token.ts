import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LocalEndpointError } from '../errors.js';

/**
 * Lets a request through only with the user's own token (the one in `credentials`, which their
 * editors are configured with) as `Authorization: Bearer …` or `x-api-key`: any other account on
 * the workstation could otherwise act as its owner, private LLMs and agents included. Compared
 * in constant time, on digests so that the length does not show either.
 */
export function requireToken(request: IncomingMessage, expected: string | undefined): void {
  if (expected === undefined) {
    throw new LocalEndpointError(
      401,
      'the local endpoint requires your mcpd token and mcplocal started without credentials: run `mcpctl login` and restart mcplocal, or set "localEndpoint": {"requireToken": false} in config.json',
    );
  }
  const presented = presentedToken(request);
  if (presented === undefined) {
    throw new LocalEndpointError(401, 'missing bearer token: send the token of your mcpctl credentials as "Authorization: Bearer TOKEN" (an OpenAI client\'s API key)');
  }
  if (!timingSafeEqual(digest(presented), digest(expected))) {
    throw new LocalEndpointError(401, 'invalid bearer token: the local endpoint takes the token of your mcpctl credentials');
  }
}

function presentedToken(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
