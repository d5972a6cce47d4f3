import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ManualClock } from '@mcpctl/clock/manual';
import type { ProviderTask } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SocketControlChannel } from '../src/transports/socket-control-channel.js';
import { SseControlChannel } from '../src/transports/sse-control-channel.js';
import { eventually } from './support/eventually.js';

const PING_MS = 20_000;
const MAX_BACKLOG = 4 * 1024 * 1024;
/** A task of about a megabyte: a long prompt. */
const task = (index: number): ProviderTask => ({
  kind: 'infer',
  taskId: `task_${index}`,
  llmName: 'local',
  request: { messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024) }] },
  streaming: false,
});

/** The TCP connection under a WebSocket of `ws`, as mcpd's route hands it over. */
const connectionOf = (socket: WebSocket): Duplex => (socket as unknown as { _socket: Duplex })._socket;

/** Listens on port 0; answers what `onRequest` makes of each request. */
async function listen(onRequest: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('a control connection whose publisher stops reading', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('SSE: is cut once more than its bound waits, saying so, and its session closes', async () => {
    const errors: string[] = [];
    let closed = 0;
    let channel: SseControlChannel | undefined;
    const { server, url } = await listen((_request, response) => {
      channel = new SseControlChannel(response, {
        sessionId: 'ps_1', pingIntervalMs: PING_MS, maxBacklogBytes: MAX_BACKLOG, clock: new ManualClock(),
        onError: (error) => errors.push(error.message), onClose: () => (closed += 1),
      });
    });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)), () => server.closeAllConnections());
    // A publisher that reads the head and then nothing more.
    await new Promise<void>((resolve) => get(url, (response) => (response.socket.pause(), resolve())));
    await eventually(() => channel !== undefined);
    for (let index = 0; index < 64 && closed === 0; index += 1) {
      channel!.sendTask(task(index));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(() => closed === 1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^the publisher took none of \d+ MiB sent to it: its stream is closed$/);
  });

  it('SSE: is cut when what waited was not taken for a whole ping interval', async () => {
    const clock = new ManualClock();
    const errors: string[] = [];
    let closed = 0;
    let channel: SseControlChannel | undefined;
    const { server, url } = await listen((_request, response) => {
      channel = new SseControlChannel(response, {
        sessionId: 'ps_1', pingIntervalMs: PING_MS, maxBacklogBytes: 1024 * 1024 * 1024, clock,
        onError: (error) => errors.push(error.message), onClose: () => (closed += 1),
      });
    });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)), () => server.closeAllConnections());
    await new Promise<void>((resolve) => get(url, (response) => (response.socket.pause(), resolve())));
    await eventually(() => channel !== undefined);
    // More than the kernel takes, so some waits in mcpd.
    for (let index = 0; index < 24; index += 1) channel!.sendTask(task(index));
    // Ping after ping, the socket having its turns between them: what waits could have gone, had the publisher read.
    for (let ping = 0; ping < 5 && closed === 0; ping += 1) {
      clock.advance(PING_MS);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await eventually(() => closed === 1);
    expect(errors[0]).toMatch(/^the publisher took nothing of its stream for 20 s while \d+ bytes waited: the stream is closed$/);
  });

  it('SSE: pings back to back, with no turn for the socket between them, judge nothing', async () => {
    const clock = new ManualClock();
    let closed = 0;
    let channel: SseControlChannel | undefined;
    const { server, url } = await listen((_request, response) => {
      channel = new SseControlChannel(response, {
        sessionId: 'ps_1', pingIntervalMs: PING_MS, maxBacklogBytes: 1024 * 1024 * 1024, clock,
        onError: () => undefined, onClose: () => (closed += 1),
      });
    });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)), () => server.closeAllConnections());
    let received = 0;
    await new Promise<void>((resolve) => get(url, (response) => (response.on('data', (bytes: Buffer) => (received += bytes.length)), resolve())));
    await eventually(() => channel !== undefined);
    for (let index = 0; index < 24; index += 1) channel!.sendTask(task(index));
    // A clock that jumped a minute, or a thread held up as long: the reading publisher keeps its stream.
    clock.advance(3 * PING_MS);
    await eventually(() => received > 24 * 1024 * 1024);
    expect(closed).toBe(0);
  });

  it('SSE: a publisher that reads keeps its stream, however much was sent', async () => {
    const clock = new ManualClock();
    let closed = 0;
    let channel: SseControlChannel | undefined;
    const { server, url } = await listen((_request, response) => {
      channel = new SseControlChannel(response, {
        sessionId: 'ps_1', pingIntervalMs: PING_MS, maxBacklogBytes: MAX_BACKLOG, clock,
        onError: () => undefined, onClose: () => (closed += 1),
      });
    });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)), () => server.closeAllConnections());
    let received = 0;
    await new Promise<void>((resolve) => get(url, (response) => (response.on('data', (bytes: Buffer) => (received += bytes.length)), resolve())));
    await eventually(() => channel !== undefined);
    for (let index = 0; index < 16; index += 1) {
      channel!.sendTask(task(index));
      await eventually(() => received > (index + 1) * 1024 * 1024);
      clock.advance(PING_MS);
    }
    expect(closed).toBe(0);
  });

  it('socket: is terminated when it keeps sending heartbeats but takes none of what waits for it', async () => {
    const clock = new ManualClock();
    const errors: string[] = [];
    let closed = 0;
    const sockets = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => sockets.once('listening', resolve));
    cleanups.push(() => new Promise((resolve) => sockets.close(resolve)));
    const opened = new Promise<SocketControlChannel>((resolve) => {
      sockets.once('connection', (socket) => {
        resolve(new SocketControlChannel(socket, {
          connection: connectionOf(socket),
          sessionId: 'ps_1', clock, pingIntervalMs: PING_MS, maxBacklogBytes: 1024 * 1024 * 1024,
          onResults: () => undefined, onHeartbeat: () => undefined, onError: (error) => errors.push(error.message), onClose: () => (closed += 1),
        }));
      });
    });
    const client = new WebSocket(`ws://127.0.0.1:${(sockets.address() as AddressInfo).port}`);
    cleanups.push(() => client.terminate());
    await new Promise<void>((resolve) => client.once('open', resolve));
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    const channel = await opened;
    for (let index = 0; index < 24; index += 1) channel.sendTask(task(index));
    for (let ping = 0; ping < 5 && closed === 0; ping += 1) {
      // Heard from each interval: its heartbeats and a pong of its own come, its reading does not.
      client.send(JSON.stringify({ type: 'heartbeat' }));
      client.pong();
      await new Promise((resolve) => setTimeout(resolve, 50));
      clock.advance(PING_MS);
    }
    await eventually(() => closed === 1);
    expect(errors).toEqual(['the publisher took none of the messages sent to it for 20 s: its connection is closed']);
  });

  it('socket: a slow reader that tasks keep coming to keeps its connection', async () => {
    const clock = new ManualClock();
    let closed = 0;
    const sockets = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => sockets.once('listening', resolve));
    cleanups.push(() => new Promise((resolve) => sockets.close(resolve)));
    const opened = new Promise<SocketControlChannel>((resolve) => {
      sockets.once('connection', (socket) => {
        resolve(new SocketControlChannel(socket, {
          connection: connectionOf(socket),
          sessionId: 'ps_1', clock, pingIntervalMs: PING_MS, maxBacklogBytes: 1024 * 1024 * 1024,
          onResults: () => undefined, onHeartbeat: () => undefined, onError: () => undefined, onClose: () => (closed += 1),
        }));
      });
    });
    const client = new WebSocket(`ws://127.0.0.1:${(sockets.address() as AddressInfo).port}`);
    cleanups.push(() => client.terminate());
    await new Promise<void>((resolve) => client.once('open', resolve));
    const raw = (client as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const channel = await opened;
    let sent = 0;
    for (; sent < 24; sent += 1) channel.sendTask(task(sent));
    for (let ping = 0; ping < 6; ping += 1) {
      // More keeps coming than it reads: it reads a little in each interval all the same, and sends its heartbeats.
      for (let more = 0; more < 4; more += 1, sent += 1) channel.sendTask(task(sent));
      client.send(JSON.stringify({ type: 'heartbeat' }));
      raw.resume();
      await new Promise((resolve) => setTimeout(resolve, 5));
      raw.pause();
      await new Promise((resolve) => setTimeout(resolve, 20));
      clock.advance(PING_MS);
    }
    expect(closed).toBe(0);
  });

  it('socket: is terminated once more than its bound waits, saying so', async () => {
    const errors: string[] = [];
    let closed = 0;
    const sockets = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => sockets.once('listening', resolve));
    cleanups.push(() => new Promise((resolve) => sockets.close(resolve)));
    const opened = new Promise<SocketControlChannel>((resolve) => {
      sockets.once('connection', (socket) => {
        resolve(new SocketControlChannel(socket, {
          connection: connectionOf(socket),
          sessionId: 'ps_1', clock: new ManualClock(), pingIntervalMs: PING_MS, maxBacklogBytes: MAX_BACKLOG,
          onResults: () => undefined, onHeartbeat: () => undefined, onError: (error) => errors.push(error.message), onClose: () => (closed += 1),
        }));
      });
    });
    const client = new WebSocket(`ws://127.0.0.1:${(sockets.address() as AddressInfo).port}`);
    cleanups.push(() => client.terminate());
    await new Promise<void>((resolve) => client.once('open', resolve));
    // Reads the hello, then nothing more.
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    const channel = await opened;
    for (let index = 0; index < 64 && closed === 0; index += 1) {
      channel.sendTask(task(index));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(() => closed === 1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^the publisher took none of \d+ MiB sent to it: its connection is closed$/);
  });
});
