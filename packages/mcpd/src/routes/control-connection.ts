import { PROVIDER_SESSION_HEADER } from '@mcpctl/protocol';
import type { FastifyRequest, RouteShorthandOptions } from 'fastify';
import { logFailure } from '../errors.js';
import { limitPerUser } from '../plugins/limit-per-user.js';
import type { ControlChannel } from '../relay/control-channel.js';
import type { Services } from '../services/services.js';

/** Room for the JSON around an answer of the largest size (`{"status":200,"body":…}`, or a socket's `result` message). */
export const RESULT_ENVELOPE_BYTES = 64 * 1024;

/**
 * The per-user cap on open control connections: SSE streams and provider sockets count together,
 * each holding its slot until its connection closes.
 */
export function controlConnectionLimit(services: Services): RouteShorthandOptions {
  return { onRequest: limitPerUser(services.limits.controlStreams, 'control streams') };
}

/**
 * What a control connection checks before it opens, over SSE or the socket alike: mcpd is not
 * draining, the session named in the header is the caller's own, and the caller may still
 * publish its rows. Answers the session id.
 */
export async function sessionToOpen(request: FastifyRequest, services: Services): Promise<string> {
  // A publisher reconnecting now should land on the process that replaces this one.
  services.shutdown.assertHolding('new control streams');
  const header = request.headers[PROVIDER_SESSION_HEADER];
  return services.providerSessions.requireConnectable(request.principal, typeof header === 'string' ? header : undefined);
}

/**
 * Attaches the opened connection and brings the session's rows back. When that fails (the
 * database went away between the checks and the rows), the connection is ended as a drain ends
 * it: the publisher connects again, and the next open is done whole, where a connection left
 * open would hold a session whose rows stayed down and, among replicas, unclaimed.
 */
export async function openSession(request: FastifyRequest, services: Services, sessionId: string, channel: ControlChannel): Promise<void> {
  const { providerSessions } = services;
  try {
    await providerSessions.streamOpened(sessionId, channel, { principal: request.principal, authorization: request.headers.authorization });
  } catch (error) {
    logFailure(request.log, error, 'opening a provider session failed');
    // A newer connection of the session (the publisher tried again meanwhile) replaced this one: it is not ended.
    if (services.hub.channel(sessionId) !== channel) return;
    await providerSessions
      .disconnect(sessionId, 'shuttingDown', 'mcpd could not open the session; connect again shortly')
      .catch((closing: unknown) => logFailure(request.log, closing, 'marking a closed session inactive failed'));
  }
}
