import { ServerResponse, type IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { PROVIDER_SOCKET_PATH, PROVIDER_SOCKET_PING_MS } from '@mcpctl/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { HttpError, logFailure, toHttpError } from '../errors.js';
import type { Principal } from '../rbac/principal.js';
import type { Services } from '../services/services.js';
import { SocketControlChannel } from '../transports/socket-control-channel.js';
import { controlConnectionLimit, openSession, RESULT_ENVELOPE_BYTES, sessionToOpen } from './control-connection.js';

/** The connection of an upgrade request, held for the route that accepts it. */
interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

/**
 * The provider socket (SPEC §12, `provider-socket.ts` in protocol). Every upgrade request goes
 * through Fastify's router, on a response written to its connection, so it meets the hooks and
 * answers of any request: a bad token, someone else's session, a per-user cap or a draining
 * process get the same status and `{"error"}` body as on the SSE stream route, and only a
 * request the route accepts is upgraded.
 */
export function providerSocketRoute(app: FastifyInstance, services: Services): void {
  const upgrades = new WeakMap<IncomingMessage, PendingUpgrade>();
  const sockets = new WebSocketServer({
    noServer: true,
    // A result message carries what a result post carries: one answer or chunk, as large as allowed.
    maxPayload: services.maxResultBytes + RESULT_ENVELOPE_BYTES,
    // Chunks are small and many: compressing each costs more CPU than the bytes it saves.
    perMessageDeflate: false,
  });

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node leaves an upgraded connection without an error listener; a reset must not crash mcpd.
    socket.on('error', () => socket.destroy());
    // An HTTP server's connections are sockets (TLS ones too); anything else has no answer to get.
    if (!(socket instanceof Socket)) {
      socket.destroy();
      return;
    }
    upgrades.set(request, { socket, head });
    const response = new ServerResponse(request);
    // The connection left HTTP's parser: after an answer that refuses the upgrade, it ends.
    response.shouldKeepAlive = false;
    response.assignSocket(socket);
    response.once('finish', () => socket.end());
    app.routing(request, response);
  });

  // Sockets the shutdown already closed, and any still being opened, do not hold the port.
  app.addHook('preClose', async () => {
    for (const client of sockets.clients) client.terminate();
  });

  app.get(PROVIDER_SOCKET_PATH, controlConnectionLimit(services), async (request, reply) => {
    const sessionId = await sessionToOpen(request, services);
    const upgrade = upgrades.get(request.raw);
    if (!upgrade) throw new HttpError(426, `${PROVIDER_SOCKET_PATH} is a WebSocket: send an upgrade request`);
    reply.hijack();
    // The caller may have given up while its session was looked up.
    if (upgrade.socket.destroyed) return;
    const socket = await new Promise<WebSocket | undefined>((resolve) => {
      // A handshake `ws` refuses (a bad key or version) is answered by it, and the connection closes.
      upgrade.socket.once('close', () => resolve(undefined));
      sockets.handleUpgrade(request.raw, upgrade.socket, upgrade.head, resolve);
    });
    if (!socket) return;
    const channel = openChannel(socket, upgrade.socket, sessionId, request, services);
    await openSession(request, services, sessionId, channel);
  });
}

function openChannel(socket: WebSocket, connection: Duplex, sessionId: string, request: FastifyRequest, services: Services): SocketControlChannel {
  const { providerSessions } = services;
  const principal: Principal = request.principal;
  const channel: SocketControlChannel = new SocketControlChannel(socket, {
    sessionId,
    clock: services.clock,
    pingIntervalMs: PROVIDER_SOCKET_PING_MS,
    maxBacklogBytes: services.controlBacklogBytes,
    connection,
    onResults: (taskId, results) => {
      const refused = (error: unknown): string => {
        const refusal = toHttpError(error);
        if (refusal.statusCode >= 500) logFailure(request.log, error, 'a result on a provider socket failed');
        return refusal.message;
      };
      try {
        // Results for a caller on another replica are taken there; its refusal comes back later.
        return services.router.accept(taskId, principal.userId, results, 'socket')?.then(() => undefined, refused);
      } catch (error) {
        return refused(error);
      }
    },
    onHeartbeat: (news) => {
      providerSessions.heartbeatOnConnection(sessionId, news).catch((error: unknown) => logFailure(request.log, error, 'a heartbeat on a provider socket failed'));
    },
    onError: (error) => request.log.warn({ err: error }, 'a provider socket failed'),
    onClose: () => {
      providerSessions.streamClosed(sessionId, channel).catch((error: unknown) => logFailure(request.log, error, 'marking a closed session inactive failed'));
    },
  });
  return channel;
}
