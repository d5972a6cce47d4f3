import { createServer, get, type IncomingMessage } from 'node:http';
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
/** A bound no test reaches: only the ping-by-ping rule is at work. */
const NO_BOUND = 1024 * 1024 * 1024;
/** A task of about a megabyte: a long prompt. */
const task = (index: number): ProviderTask => ({
  kind: 'infer',
  taskId: `task_${index}`,
  llmName: 'local',
  request: { messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024) }] },
  streaming: false,
});
const turn = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a channel under test said, and whether its connection closed. */
interface Opened<Channel, Peer> {
  channel: Channel;
  /** The publisher's side: pause its socket to stop reading. */
  peer: Peer;
  errors: string[];
  closed: () => boolean;
}

describe('a control connection whose publisher stops reading', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** An SSE control stream on a real HTTP server, and the response its publisher reads. */
  async function openSse(clock: ManualClock, maxBacklogBytes: number): Promise<Opened<SseControlChannel, IncomingMessage>> {
    const errors: string[] = [];
    let closed = false;
    let channel: SseControlChannel | undefined;
    const server = createServer((_request, response) => {
      channel = new SseControlChannel(response, {
        sessionId: 'ps_1', pingIntervalMs: PING_MS, maxBacklogBytes, clock,
        onError: (error) => errors.push(error.message), onClose: () => (closed = true),
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)), () => server.closeAllConnections());
    const peer = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, resolve));
    await eventually(() => channel !== undefined);
    return { channel: channel!, peer, errors, closed: () => closed };
  }

  /** A provider socket on a real WebSocket server, and the client socket its publisher reads. */
  async function openSocket(clock: ManualClock, maxBacklogBytes: number): Promise<Opened<SocketControlChannel, WebSocket>> {
    const errors: string[] = [];
    let closed = false;
    const sockets = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => sockets.once('listening', resolve));
    cleanups.push(() => new Promise((resolve) => sockets.close(resolve)));
    const opened = new Promise<SocketControlChannel>((resolve) => {
      sockets.once('connection', (socket) => {
        resolve(new SocketControlChannel(socket, {
          // The TCP connection under the WebSocket, as mcpd's route hands it over.
          connection: (socket as unknown as { _socket: Duplex })._socket,
          sessionId: 'ps_1', clock, pingIntervalMs: PING_MS, maxBacklogBytes,
          onResults: () => undefined, onHeartbeat: () => undefined, onError: (error) => errors.push(error.message), onClose: () => (closed = true),
        }));
      });
    });
    const peer = new WebSocket(`ws://127.0.0.1:${(sockets.address() as AddressInfo).port}`);
    cleanups.push(() => peer.terminate());
    await new Promise<void>((resolve) => peer.once('open', resolve));
    return { channel: await opened, peer, errors, closed: () => closed };
  }

  const rawOf = (peer: WebSocket) => (peer as unknown as { _socket: { pause(): void; resume(): void } })._socket;

  it('SSE: is cut once more than its bound waits, saying so, and its session closes', async () => {
    const { channel, peer, errors, closed } = await openSse(new ManualClock(), MAX_BACKLOG);
    // A publisher that reads the head and then nothing more.
    peer.socket.pause();
    for (let index = 0; index < 64 && !closed(); index += 1) {
      channel.sendTask(task(index));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(closed);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^the publisher took none of \d+ MiB sent to it: its stream is closed$/);
  });

  it('SSE: is cut when what waited was not taken for a whole ping interval', async () => {
    const clock = new ManualClock();
    const { channel, peer, errors, closed } = await openSse(clock, NO_BOUND);
    peer.socket.pause();
    // More than the kernel takes, so some waits in mcpd.
    for (let index = 0; index < 24; index += 1) channel.sendTask(task(index));
    // Ping after ping, the socket having its turns between them: what waits could have gone, had the publisher read.
    for (let ping = 0; ping < 5 && !closed(); ping += 1) {
      clock.advance(PING_MS);
      await turn(50);
    }
    await eventually(closed);
    expect(errors[0]).toMatch(/^the publisher took nothing of its stream for 30 s or more while \d+ bytes waited: the stream is closed$/);
  });

  it('SSE: pings back to back, with no turn for the socket between them, judge nothing', async () => {
    const clock = new ManualClock();
    const { channel, peer, closed } = await openSse(clock, NO_BOUND);
    let received = 0;
    peer.on('data', (bytes: Buffer) => (received += bytes.length));
    for (let index = 0; index < 24; index += 1) channel.sendTask(task(index));
    // A clock that jumped a minute, or a thread held up as long: the reading publisher keeps its stream.
    clock.advance(3 * PING_MS);
    await eventually(() => received > 24 * 1024 * 1024);
    expect(closed()).toBe(false);
  });

  it('SSE: a publisher that reads keeps its stream, however much was sent', async () => {
    const clock = new ManualClock();
    const { channel, peer, closed } = await openSse(clock, MAX_BACKLOG);
    let received = 0;
    peer.on('data', (bytes: Buffer) => (received += bytes.length));
    for (let index = 0; index < 16; index += 1) {
      channel.sendTask(task(index));
      await eventually(() => received > (index + 1) * 1024 * 1024);
      clock.advance(PING_MS);
    }
    expect(closed()).toBe(false);
  });

  it('socket: is terminated when it keeps sending heartbeats but takes none of what waits for it', async () => {
    const clock = new ManualClock();
    const { channel, peer, errors, closed } = await openSocket(clock, NO_BOUND);
    rawOf(peer).pause();
    for (let index = 0; index < 24; index += 1) channel.sendTask(task(index));
    for (let ping = 0; ping < 5 && !closed(); ping += 1) {
      // Heard from each interval: its heartbeats and a pong of its own come, its reading does not.
      peer.send(JSON.stringify({ type: 'heartbeat' }));
      peer.pong();
      await turn(50);
      clock.advance(PING_MS);
    }
    await eventually(closed);
    expect(errors).toEqual(['the publisher took none of the messages sent to it for 30 s or more: its connection is closed']);
  });

  it('socket: a slow reader that tasks keep coming to keeps its connection', async () => {
    const clock = new ManualClock();
    const { channel, peer, closed } = await openSocket(clock, NO_BOUND);
    const raw = rawOf(peer);
    raw.pause();
    let sent = 0;
    for (; sent < 24; sent += 1) channel.sendTask(task(sent));
    for (let ping = 0; ping < 6; ping += 1) {
      // More keeps coming than it reads: it reads a little in each interval all the same, and sends its heartbeats.
      for (let more = 0; more < 4; more += 1, sent += 1) channel.sendTask(task(sent));
      peer.send(JSON.stringify({ type: 'heartbeat' }));
      raw.resume();
      await turn(5);
      raw.pause();
      await turn(20);
      clock.advance(PING_MS);
    }
    expect(closed()).toBe(false);
  });

  it('socket: is terminated once more than its bound waits, saying so', async () => {
    const { channel, peer, errors, closed } = await openSocket(new ManualClock(), MAX_BACKLOG);
    // Reads the hello, then nothing more.
    rawOf(peer).pause();
    for (let index = 0; index < 64 && !closed(); index += 1) {
      channel.sendTask(task(index));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(closed);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^the publisher took none of \d+ MiB sent to it: its connection is closed$/);
  });
});
