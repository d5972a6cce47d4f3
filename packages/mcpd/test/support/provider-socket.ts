import { PROVIDER_SESSION_HEADER, PROVIDER_SOCKET_PATH } from '@mcpctl/protocol';
import WebSocket from 'ws';

/** A message of the provider socket as the test reads it. */
export type SocketMessage = Record<string, unknown> & { type: string };

export interface ProviderSocketOptions {
  /** False: the socket hears pings and never answers them, like a peer that went away silently. */
  autoPong?: boolean;
  /** Headers instead of the usual bearer token and session header. */
  headers?: Record<string, string>;
}

/**
 * A provider socket opened the way mcplocal opens it, with its messages collected as they come.
 * A refused upgrade keeps the HTTP status and body mcpd answered.
 */
export class ProviderSocket {
  readonly messages: SocketMessage[] = [];
  /** 101 once open; the refusal's status otherwise. */
  status = 0;
  /** The body of a refused upgrade. */
  body = '';
  closeCode: number | undefined;
  /** The close reason mcpd gave, if any. */
  closeReason = '';
  pings = 0;
  #closed = false;
  #waiters: Array<() => void> = [];
  #socket: WebSocket | undefined;
  #syncs = 0;

  static open(url: string, token: string | null, sessionId: string, options: ProviderSocketOptions = {}): Promise<ProviderSocket> {
    const opened = new ProviderSocket();
    const headers = options.headers ?? {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      [PROVIDER_SESSION_HEADER]: sessionId,
    };
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}${PROVIDER_SOCKET_PATH}`, { headers, autoPong: options.autoPong ?? true });
    opened.#socket = socket;
    socket.on('message', (data) => {
      // `ws` hands text messages over as one Buffer.
      opened.messages.push(JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : '') as SocketMessage);
      opened.#wake();
    });
    socket.on('ping', () => {
      opened.pings += 1;
      opened.#wake();
    });
    socket.on('close', (code, reason) => {
      opened.closeCode = code;
      opened.closeReason = reason.toString('utf8');
      opened.#closed = true;
      opened.#wake();
    });
    return new Promise((resolve) => {
      socket.once('open', () => {
        opened.status = 101;
        resolve(opened);
      });
      socket.once('unexpected-response', (request, response) => {
        opened.status = response.statusCode ?? 0;
        response.setEncoding('utf8');
        response.on('data', (text: string) => (opened.body += text));
        response.on('end', () => {
          opened.#closed = true;
          request.destroy();
          resolve(opened);
        });
      });
      socket.once('error', () => {
        opened.#closed = true;
        resolve(opened);
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(message: unknown): void {
    this.#socket?.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends a binary message, as a stream's `chunks` go up. */
  sendBinary(bytes: Uint8Array | string): void {
    this.#socket?.send(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, { binary: true });
  }

  /** Sends a result for the task. */
  result(taskId: string, result: unknown): void {
    this.send({ type: 'result', taskId, result });
  }

  tasks(kind?: string): Array<Record<string, unknown> & { taskId: string }> {
    return this.messages
      .filter((message) => message.type === 'task')
      .map((message) => message.task as Record<string, unknown> & { taskId: string })
      .filter((task) => kind === undefined || task.kind === kind);
  }

  gone(taskId: string): SocketMessage | undefined {
    return this.messages.find((message) => message.type === 'gone' && message.taskId === taskId);
  }

  /**
   * Resolves once mcpd has read everything sent before: a result for a task that does not exist
   * comes back as `gone`, behind whatever (pongs included) went up first.
   */
  async sync(): Promise<void> {
    const taskId = `task_sync-${++this.#syncs}`;
    this.result(taskId, { error: 'sync' });
    await this.waitFor((socket) => socket.gone(taskId) !== undefined);
  }

  /** Resolves when `predicate` holds, looking again at each message, ping and the close. */
  async waitFor(predicate: (socket: ProviderSocket) => boolean): Promise<void> {
    while (!predicate(this)) {
      if (this.#closed) throw new Error(`the provider socket closed (${this.closeCode ?? this.status}) before what was awaited came`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves once the socket is closed, answering the close code. */
  async waitForClose(): Promise<number | undefined> {
    while (!this.#closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.closeCode;
  }

  close(): void {
    this.#socket?.terminate();
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
