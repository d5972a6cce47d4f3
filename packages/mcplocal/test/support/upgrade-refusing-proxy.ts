import { createServer, request as forward, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Headers of one hop that a proxy does not pass on. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'upgrade', 'proxy-connection', 'transfer-encoding', 'te', 'trailer']);

/**
 * A reverse proxy in front of mcpd that passes plain HTTP (posts and the SSE stream, streamed)
 * but not WebSocket upgrades, as nginx does without `proxy_http_version 1.1` and the `Upgrade`
 * headers, or a gateway that does not speak WebSocket: an upgrade gets `upgradeStatus` and an
 * HTML page of its own.
 */
export class UpgradeRefusingProxy {
  /** Upgrades refused so far. */
  refusedUpgrades = 0;
  private readonly server: Server;
  private readonly connections = new Set<Socket>();

  private constructor(
    private readonly targetUrl: URL,
    private readonly upgradeStatus: number,
  ) {
    this.server = createServer((incoming, outgoing) => {
      const upstream = forward(
        { host: targetUrl.hostname, port: targetUrl.port, method: incoming.method, path: incoming.url, headers: passedHeaders(incoming) },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, passedHeaders(answer));
          answer.pipe(outgoing);
          // mcpd cutting a stream cuts it for the client too, as a proxy passes a reset on.
          answer.on('close', () => {
            if (!outgoing.writableEnded) outgoing.destroy();
          });
        },
      );
      upstream.on('error', () => outgoing.destroy());
      outgoing.on('close', () => upstream.destroy());
      incoming.pipe(upstream);
    });
    this.server.on('connection', (connection: Socket) => {
      this.connections.add(connection);
      connection.on('close', () => this.connections.delete(connection));
    });
    this.server.on('upgrade', (_incoming: IncomingMessage, connection: Socket) => {
      this.refusedUpgrades += 1;
      const page = `<html><body><h1>${this.upgradeStatus} ${STATUS_CODES[this.upgradeStatus] ?? ''}</h1></body></html>`;
      connection.end(
        `HTTP/1.1 ${this.upgradeStatus} ${STATUS_CODES[this.upgradeStatus] ?? ''}\r\ncontent-type: text/html\r\ncontent-length: ${Buffer.byteLength(page)}\r\nconnection: close\r\n\r\n${page}`,
      );
    });
  }

  static async start(targetUrl: string, upgradeStatus: number): Promise<UpgradeRefusingProxy> {
    const proxy = new UpgradeRefusingProxy(new URL(targetUrl), upgradeStatus);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function passedHeaders(message: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined && !HOP_HEADERS.has(name)) headers[name] = value;
  }
  return headers;
}
