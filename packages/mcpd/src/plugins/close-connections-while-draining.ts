import type { FastifyInstance } from 'fastify';
import type { ShutdownGate } from '../services/shutdown-gate.js';

/**
 * From SIGTERM on, every answer closes its connection (`Connection: close`): a client that
 * kept a connection to this process opens its next one through the balancer, to a replica that
 * stays, instead of finding it closed under a request it has just sent.
 */
export function registerCloseConnectionsWhileDraining(app: FastifyInstance, shutdown: ShutdownGate): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (shutdown.leaving) reply.raw.shouldKeepAlive = false;
    done();
  });
}
