import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FreezingTcpProxy } from '../src/freezing-tcp-proxy.js';

/** A real TCP server that answers every line with `echo: LINE`, and remembers what it got. */
async function startEchoServer(port = 0): Promise<{ server: Server; port: number; received: string[]; sockets: Socket[] }> {
  const received: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      received.push(text);
      socket.write(`echo: ${text}`);
    });
    socket.on('error', () => undefined);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, received, sockets };
}

/** Destroys the server's connections first: `close()` alone waits for them to end. */
function stopEcho(echo: { server: Server; sockets: Socket[] }): Promise<unknown> {
  for (const socket of echo.sockets) socket.destroy();
  return new Promise((resolve) => echo.server.close(resolve));
}

/** A client socket that collects what it reads and notes when it closes. */
async function dial(port: number): Promise<{ socket: Socket; read: () => string; closed: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (piece: string) => (text += piece));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return { socket, read: () => text, closed: () => closed };
}

async function eventually(check: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const quiet = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const opened: Array<{ close(): unknown }> = [];

afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close();
});

function track<T extends { close(): unknown }>(thing: T): T {
  opened.push(thing);
  return thing;
}

describe('FreezingTcpProxy', () => {
  it('forwards both ways until frozen, then passes nothing either way while both sockets stay open', async () => {
    const echo = await startEchoServer();
    track({ close: () => stopEcho(echo) });
    const proxy = track(await FreezingTcpProxy.start({ targetPort: echo.port }));
    const client = await dial(proxy.port);
    track({ close: () => client.socket.destroy() });

    client.socket.write('one\n');
    await eventually(() => client.read() === 'echo: one\n');

    proxy.freeze();
    client.socket.write('two\n');
    echo.sockets[0]!.write('unsolicited\n');
    await quiet(200);
    expect(echo.received.join('')).toBe('one\n');
    expect(client.read()).toBe('echo: one\n');
    expect(client.closed()).toBe(false);
    expect(echo.sockets[0]!.destroyed).toBe(false);

    // mcpd closing its side of a frozen connection is not seen either: that is what half-open means.
    echo.sockets[0]!.end();
    await quiet(200);
    expect(client.closed()).toBe(false);
    expect(proxy.connections[0]!.frozen).toBe(true);
  });

  it('after heal forwards new connections while the frozen ones stay dead', async () => {
    const echo = await startEchoServer();
    track({ close: () => stopEcho(echo) });
    const proxy = track(await FreezingTcpProxy.start({ targetPort: echo.port }));
    const before = await dial(proxy.port);
    track({ close: () => before.socket.destroy() });
    await eventually(() => proxy.connections.length === 1);
    proxy.freeze();
    const during = await dial(proxy.port);
    track({ close: () => during.socket.destroy() });
    during.socket.write('lost\n');
    await quiet(100);

    proxy.heal();
    const after = await dial(proxy.port);
    track({ close: () => after.socket.destroy() });
    after.socket.write('fresh\n');
    before.socket.write('old\n');
    await eventually(() => after.read() === 'echo: fresh\n');
    await quiet(200);
    expect(before.read()).toBe('');
    expect(during.read()).toBe('');
    expect(echo.received.join('')).toBe('fresh\n');
    expect(proxy.connections.map((connection) => connection.frozen)).toEqual([true, true, false]);
  });

  it('tells when the client sends a given text into a frozen connection', async () => {
    const echo = await startEchoServer();
    track({ close: () => stopEcho(echo) });
    const proxy = track(await FreezingTcpProxy.start({ targetPort: echo.port }));
    proxy.freeze();
    const client = await dial(proxy.port);
    track({ close: () => client.socket.destroy() });
    const seen = proxy.waitForDroppedText('POST /api/v1/llms/_provider-register', 2_000);
    // Split across two writes, as a request line may be split across two reads.
    client.socket.write('POST /api/v1/llms/_provi');
    await quiet(50);
    const before = performance.now();
    client.socket.write('der-register HTTP/1.1\r\n');
    const at = await seen;
    expect(at).toBeGreaterThanOrEqual(before);
    expect(await proxy.waitForDroppedText('never sent', 50)).toBeUndefined();
  });

  it('holds new connections without passing a byte until released', async () => {
    const echo = await startEchoServer();
    track({ close: () => stopEcho(echo) });
    const proxy = track(await FreezingTcpProxy.start({ targetPort: echo.port }));
    proxy.hold();
    const waiting = await dial(proxy.port);
    track({ close: () => waiting.socket.destroy() });
    waiting.socket.write('GET /api/v1/llms/_provider-stream HTTP/1.1\r\n');
    await quiet(200);
    expect(echo.received).toEqual([]);
    expect(waiting.closed()).toBe(false);
    expect(proxy.connections[0]!.requestLine).toBe('GET /api/v1/llms/_provider-stream HTTP/1.1');
    proxy.release();
    await eventually(() => waiting.read() === 'echo: GET /api/v1/llms/_provider-stream HTTP/1.1\r\n');
  });

  it('turns connections away while blocked', async () => {
    const echo = await startEchoServer();
    track({ close: () => stopEcho(echo) });
    const proxy = track(await FreezingTcpProxy.start({ targetPort: echo.port }));
    proxy.block();
    const refused = await dial(proxy.port);
    await eventually(() => refused.closed());
    proxy.unblock();
    const served = await dial(proxy.port);
    track({ close: () => served.socket.destroy() });
    served.socket.write('hi\n');
    await eventually(() => served.read() === 'echo: hi\n');
    expect(proxy.connections.map((connection) => connection.refused)).toEqual([true, false]);
  });

  it('holds a connection while its backend restarts when asked to retry, and drops it at once otherwise', async () => {
    const free = await startEchoServer();
    const port = free.port;
    await new Promise((resolve) => free.server.close(resolve));

    const impatient = track(await FreezingTcpProxy.start({ targetPort: port }));
    const dropped = await dial(impatient.port);
    await eventually(() => dropped.closed());

    const patient = track(await FreezingTcpProxy.start({ targetPort: port, upstreamRetryMs: 5_000 }));
    const held = await dial(patient.port);
    track({ close: () => held.socket.destroy() });
    held.socket.write('early\n');
    await quiet(200);
    const echo = await startEchoServer(port);
    track({ close: () => stopEcho(echo) });
    await eventually(() => held.read() === 'echo: early\n');
    expect(held.closed()).toBe(false);
  });

  it('records when the backend closed a connection and passes the close on', async () => {
    const echo = await startEchoServer();
    track({ close: () => stopEcho(echo) });
    const proxy = track(await FreezingTcpProxy.start({ targetPort: echo.port }));
    const client = await dial(proxy.port);
    client.socket.write('bye\n');
    await eventually(() => client.read() === 'echo: bye\n');
    const before = performance.now();
    echo.sockets[0]!.end();
    await eventually(() => client.closed());
    expect(proxy.connections[0]!.upstreamClosedAt).toBeGreaterThanOrEqual(before);
  });
});
