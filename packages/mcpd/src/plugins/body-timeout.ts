import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Cuts a request whose body stops arriving for `timeoutMs` (SPEC §9): the caller gets a 408
 * and the connection is closed, so stalled uploads cannot pile up file descriptors. Only the
 * silence between two pieces of a body counts — a large body that keeps arriving is never cut —
 * and the watch ends with the body, so nothing here touches a response: a control stream, a
 * streamed answer or a caller waiting minutes for a model stays open (SPEC §10).
 */
export function registerBodyTimeout(
  app: FastifyInstance,
  timeoutMs: number,
  /** Told of each request cut, with the words its 408 said: nothing else hears of it (no error reaches the routes' hooks). */
  onStalled?: (request: FastifyRequest, reply: FastifyReply, message: string) => void,
): void {
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    if (!hasBody(raw) || raw.complete) {
      done();
      return;
    }
    const socket = raw.socket;
    const onTimeout = () => {
      // The socket's idle timer fired while the body was still incomplete.
      if (!reply.raw.headersSent) {
        const message = `the request body stalled for ${timeoutMs / 1000} s; send it again`;
        onStalled?.(request, reply, message);
        const body = JSON.stringify({ error: message });
        reply.raw.writeHead(408, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
        reply.raw.end(body);
      }
      socket.destroySoon();
    };
    let watching = true;
    const stopWatching = () => {
      if (!watching) return;
      watching = false;
      raw.off('timeout', onTimeout);
      // Once the response has ended, Node owns the socket's timer (keep-alive): leave it be.
      if (!reply.raw.writableEnded) socket.setTimeout(0);
    };
    // Node emits `timeout` on the request while its body is incomplete; a listener there keeps
    // Node from destroying the socket before the 408 is written. This is the socket's own idle
    // timer, not the injected clock: Node restarts it on every byte its native parser reads,
    // which no JavaScript timer can see without taking the body out of Fastify's hands.
    raw.on('timeout', onTimeout);
    raw.once('end', stopWatching);
    raw.once('close', stopWatching);
    socket.setTimeout(timeoutMs);
    done();
  });
}

function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return raw.headers['transfer-encoding'] !== undefined;
}
