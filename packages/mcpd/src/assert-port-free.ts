import net from 'node:net';

/**
 * Fails when `port` on `host` is taken, or `host` is no address of this machine, before mcpd
 * touches its data directory or database: a second `npm start` must not sweep the first one's
 * sessions or announce an admin token, then fail to listen. The port is let go at once; the real
 * listen comes after the start-up work (and fails with the same words if another process took
 * the port meanwhile).
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (error) {
    throw listenError(host, port, error);
  } finally {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
}

/** A failed listen on `host`:`port`, in words that say what to change; others as they came. */
export function listenError(host: string, port: number, error: unknown): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new Error(`port ${port} on ${host} is in use (another mcpd?); stop what listens there, or give this one another --port`);
    case 'EACCES':
      return new Error(`port ${port} on ${host} needs privileges this user lacks; use a port above 1023 (--port)`);
    case 'EADDRNOTAVAIL':
      return new Error(`${host} is not an address of this machine; give --host one of its addresses (0.0.0.0 for all of them, 127.0.0.1 for this machine alone)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new Error(`--host ${host} does not resolve to an address; give an address of this machine (0.0.0.0 for all of them, 127.0.0.1 for this machine alone)`);
    default:
      return error;
  }
}
