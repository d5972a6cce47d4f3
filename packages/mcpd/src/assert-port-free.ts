import net from 'node:net';

/**
 * Fails when `port` on `host` is taken, before mcpd touches its database: a second `npm start`
 * must not sweep the first one's sessions or announce an admin token, then fail to listen.
 * The port is let go at once; the real listen comes after the start-up work.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${port} on ${host} is in use (another mcpd?); stop what listens there, or give this one another --port`);
    if (code === 'EACCES') throw new Error(`port ${port} on ${host} needs privileges this user lacks; use a port above 1023 (--port)`);
    throw error;
  } finally {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
}
