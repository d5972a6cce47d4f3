import { connect } from 'node:net';

/**
 * Whether something accepts TCP connections at `host:port`. A server started on a port another
 * program holds dies at once of EADDRINUSE, which its log alone would say; and one that does not
 * answer as a model server (a web server's 404, NATS, a database) would not pass for one either.
 * On loopback a connection is accepted or refused by the kernel at once, so the time limit only
 * guards against the unexpected.
 */
export function acceptsConnections(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const answer = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket.setTimeout(timeoutMs, () => answer(false));
    socket.once('connect', () => answer(true));
    socket.once('error', () => answer(false));
  });
}
