import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BareProxyOptions {
  /** OpenAI base URL of the upstream, e.g. `http://127.0.0.1:PORT/v1`. */
  upstreamUrl: string;
  /** Model name written into every forwarded request. */
  model: string;
  port?: number;
  host?: string;
}

export interface BareProxy {
  url: string;
  close(): Promise<void>;
}

const MAX_SOCKETS = 256;

/**
 * The least an OpenAI gateway can do: read the body, swap the model name, forward it on a
 * keep-alive connection and pipe the answer back. No auth, validation, audit or metrics: what
 * it adds over a direct call is the cost of one extra Node.js hop on this machine, the floor
 * against which mcpd's added latency is read.
 */
export async function startBareProxy(options: BareProxyOptions): Promise<BareProxy> {
  const target = new URL(`${options.upstreamUrl.replace(/\/$/, '')}/chat/completions`);
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => forward(Buffer.concat(chunks), incoming, response));
  });
  const forward = (raw: Buffer, incoming: IncomingMessage, response: ServerResponse) => {
    let body: string;
    try {
      body = JSON.stringify({ ...(JSON.parse(raw.toString('utf8')) as object), model: options.model });
    } catch {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"the body is not JSON"}');
      return;
    }
    const outgoing = request(
      target,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
        answer.pipe(response);
      },
    );
    outgoing.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error.message }));
    });
    // The caller left before its answer ended. On the response, not the keep-alive socket: a
    // listener per request on the socket would stay for the connection's life, and keep every
    // request it served.
    response.once('close', () => {
      if (!response.writableFinished) outgoing.destroy();
    });
    outgoing.end(body);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        agent.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
