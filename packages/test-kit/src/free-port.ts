import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 free a moment ago, for a process that must be told its port before it
 * starts (a managed model server). Another process may take it meanwhile; tests use it at once.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
