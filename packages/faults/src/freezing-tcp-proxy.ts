import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { FaultError } from './errors.js';

export interface FreezingTcpProxyOptions {
  /** Where connections go: mcpd's port on loopback. */
  targetPort: number;
  targetHost?: string;
  /**
   * How long a refused upstream connect is retried before the client is dropped, as a load
   * balancer does while its backend restarts. 0 (default): dropped at once, like a refused port.
   */
  upstreamRetryMs?: number;
}

/** One client connection as the proxy saw it; times are `performance.now()` milliseconds. */
export interface ProxiedConnection {
  id: number;
  acceptedAt: number;
  /** mcpd ended or closed its side. */
  upstreamClosedAt: number | undefined;
  /** Frozen connections never forward a byte again, even after `heal()`. */
  frozen: boolean;
  /** Turned away by `block()`. */
  refused: boolean;
  /** The first line the client sent (an HTTP request line), once it came. */
  requestLine: string | undefined;
}

const RETRY_PAUSE_MS = 50;
/** Enough of the dropped bytes to find a request line split across two reads. */
const KEPT_DROPPED_CHARS = 4096;

interface Pair {
  record: ProxiedConnection;
  client: Socket;
  upstream: Socket | undefined;
  /** Client bytes that came before the upstream side connected. */
  pending: Buffer[];
  dropped: string;
}

/**
 * A TCP proxy that can make the network between mcplocal and mcpd fail the way real networks
 * do. `freeze()` turns every open connection half-open: both sockets stay open but no byte
 * crosses either way, so neither side learns anything from TCP; connections opened while frozen
 * are black holes too. `heal()` lets new connections through again, while the frozen ones stay
 * dead, as a half-open connection does once the path that carried it is gone. `block()` turns
 * new connections away at once, like a port nobody listens on.
 */
export class FreezingTcpProxy {
  readonly #server: Server;
  readonly #options: Required<FreezingTcpProxyOptions>;
  readonly #pairs = new Set<Pair>();
  readonly #droppedWaiters = new Set<{ text: string; resolve: (at: number | undefined) => void }>();
  readonly connections: ProxiedConnection[] = [];
  #frozen = false;
  #blocked = false;
  #holding = false;
  readonly #held: Array<() => void> = [];
  #nextId = 1;

  private constructor(options: FreezingTcpProxyOptions) {
    this.#options = { targetHost: '127.0.0.1', upstreamRetryMs: 0, ...options };
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Listens on a free loopback port. */
  static async start(options: FreezingTcpProxyOptions): Promise<FreezingTcpProxy> {
    const proxy = new FreezingTcpProxy(options);
    proxy.#server.listen(0, '127.0.0.1');
    await once(proxy.#server, 'listening');
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    if (typeof address !== 'object' || !address) throw new FaultError('the proxy is not listening');
    return address.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  /** Sends new connections to another port, e.g. a restarted mcpd on a new one. */
  retarget(port: number): void {
    this.#options.targetPort = port;
  }

  freeze(): void {
    this.#frozen = true;
    for (const pair of this.#pairs) pair.record.frozen = true;
  }

  heal(): void {
    this.#frozen = false;
  }

  block(): void {
    this.#blocked = true;
  }

  /**
   * New connections are accepted and their bytes kept, but not passed on until `release()`: a
   * publisher's reconnect waits at the door while a scenario looks at mcpd without it.
   */
  hold(): void {
    this.#holding = true;
  }

  release(): void {
    this.#holding = false;
    for (const dial of this.#held.splice(0)) dial();
  }

  unblock(): void {
    this.#blocked = false;
  }

  /**
   * Resolves with the instant the client side sent `text` into a frozen connection (say the
   * request line of a registration), or with undefined after `timeoutMs`.
   */
  waitForDroppedText(text: string, timeoutMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const waiter = {
        text,
        resolve: (at: number | undefined) => {
          clearTimeout(timer);
          this.#droppedWaiters.delete(waiter);
          resolve(at);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined), timeoutMs);
      this.#droppedWaiters.add(waiter);
    });
  }

  /** Closes the listener and destroys every connection, frozen ones included. */
  async close(): Promise<void> {
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.#pairs.clear();
    for (const waiter of this.#droppedWaiters) waiter.resolve(undefined);
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    const record: ProxiedConnection = {
      id: this.#nextId++,
      acceptedAt: performance.now(),
      upstreamClosedAt: undefined,
      frozen: this.#frozen,
      refused: false,
      requestLine: undefined,
    };
    this.connections.push(record);
    client.on('error', () => undefined);
    if (this.#blocked) {
      record.refused = true;
      client.destroy();
      return;
    }
    const pair: Pair = { record, client, upstream: undefined, pending: [], dropped: '' };
    this.#pairs.add(pair);
    client.once('close', () => {
      this.#pairs.delete(pair);
      if (!record.frozen) pair.upstream?.destroy();
    });
    let firstBytes = '';
    client.on('data', (data: Buffer) => {
      if (record.requestLine === undefined) {
        firstBytes += data.toString('latin1');
        const end = firstBytes.indexOf('\r\n');
        if (end >= 0 || firstBytes.length > KEPT_DROPPED_CHARS) record.requestLine = firstBytes.slice(0, end >= 0 ? end : KEPT_DROPPED_CHARS);
      }
      if (record.frozen) return this.#drop(pair, data);
      if (pair.upstream?.readyState === 'open') pair.upstream.write(data);
      else pair.pending.push(data);
    });
    client.on('end', () => {
      if (!record.frozen) pair.upstream?.end();
    });
    if (record.frozen) return;
    const deadline = performance.now() + this.#options.upstreamRetryMs;
    const dial = () => this.#dial(pair, deadline);
    if (this.#holding) this.#held.push(dial);
    else dial();
  }

  /** Connects the pair's upstream side, retrying a refused connect until `deadline`. */
  #dial(pair: Pair, deadline: number): void {
    const { record, client } = pair;
    const upstream = connect(this.#options.targetPort, this.#options.targetHost);
    upstream.once('connect', () => {
      pair.upstream = upstream;
      if (record.frozen) return;
      for (const data of pair.pending.splice(0)) upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      if (!record.frozen) client.write(data);
    });
    upstream.once('end', () => {
      record.upstreamClosedAt ??= performance.now();
      if (!record.frozen) client.end();
    });
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      const refused = error.code === 'ECONNREFUSED' && pair.upstream === undefined;
      if (refused && performance.now() < deadline && !client.destroyed) {
        setTimeout(() => this.#dial(pair, deadline), RETRY_PAUSE_MS);
        return;
      }
      record.upstreamClosedAt ??= performance.now();
      if (!record.frozen) client.destroy();
    });
    upstream.once('close', (hadError: boolean) => {
      if (pair.upstream !== upstream) return;
      record.upstreamClosedAt ??= performance.now();
      if (record.frozen) return;
      // A clean close lets the client read what is still buffered; a reset is passed on as one.
      if (hadError) client.destroy();
      else client.end();
    });
  }

  #drop(pair: Pair, data: Buffer): void {
    pair.dropped = (pair.dropped + data.toString('latin1')).slice(-KEPT_DROPPED_CHARS);
    if (this.#droppedWaiters.size === 0) return;
    const at = performance.now();
    for (const waiter of this.#droppedWaiters) {
      if (pair.dropped.includes(waiter.text)) waiter.resolve(at);
    }
  }
}
