import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  decodeSocketChunks,
  PROVIDER_SESSION_HEADER,
  PROVIDER_SOCKET_PATH,
  providerSocketCloseCodes,
  providerSocketUpMessageSchema,
  type ProviderSocketDownMessage,
  providerHeartbeatRequestSchema,
  providerRegisterRequestSchema,
  taskResultSchema,
  type LlmView,
  type ProviderRegisterRequest,
  type ProviderTask,
  type TaskResult,
} from '@mcpctl/protocol';
import WebSocket, { WebSocketServer } from 'ws';

/**
 * How this mcpd words its answers: `full` as the current mcpd does; `minimal` as an mcpd that
 * predates agents and wake (register `{providerSessionId, llms: []}`, empty 204 answers to
 * heartbeats and results); `extended` as a newer mcpd, every answer carrying fields this
 * mcplocal does not know.
 */
export type AnswerStyle = 'full' | 'minimal' | 'extended';

export interface RecordedResult {
  taskId: string;
  /** The result without its `seq`, kept apart below. */
  result: TaskResult;
  /** Its place among the task's results, as the publisher numbered it. */
  seq?: number | undefined;
  at: number;
  /** How it came: a result post, or the provider socket opened `socket`-th (from 1). */
  via?: 'post' | { socket: number };
}

/** A received result as tests compare it: the result itself, and its `seq` apart. */
export function recordResult(taskId: string, received: TaskResult, at: number, via?: RecordedResult['via']): RecordedResult {
  const { seq, ...result } = received;
  return { taskId, result, seq, at, ...(via ? { via } : {}) };
}

/** One provider socket mcpd accepted: the WebSocket, the TCP connection under it, and whose session it carries. */
export interface AcceptedSocket {
  socket: WebSocket;
  connection: Socket;
  session: string;
  /** Which socket it is, counting from 1 in the order they opened. */
  ordinal: number;
}

export interface FakeMcpdOptions {
  /** Serve the provider socket and advertise it in register answers, as an mcpd with the second transport does. */
  socket?: boolean | undefined;
  /** Say in the socket's `hello` that a stream's chunks may come as a binary `chunks` message, and read them. */
  binaryChunks?: boolean | undefined;
}

export interface RecordedHeartbeat {
  providerSessionId: string;
  /** The names the heartbeat reported asleep; absent when it named none. */
  hibernating?: string[] | undefined;
  /** The names the heartbeat reported serving again; absent when it named none. */
  awake?: string[] | undefined;
  at: number;
}

/**
 * mcpd's provider channel as §4.3 of the spec describes it, and nothing else: a real HTTP
 * server the registrar talks to over the network, recording what it receives and letting a test
 * push task frames down the control stream. Built with `socket: true` it also serves the provider
 * socket (`provider-socket.ts`) with `ws`, as SPEC §12 describes it: the same refusals as the SSE
 * stream before the upgrade, `hello` first, tasks and `gone` down, results and heartbeats up; it
 * pings only when a test says so.
 */
export class FakeMcpd {
  /** The one token it takes; {@link revokeToken} replaces it. */
  token = 'test-token-secret';
  readonly registrations: ProviderRegisterRequest[] = [];
  readonly heartbeats: RecordedHeartbeat[] = [];
  readonly results: RecordedResult[] = [];
  /** Each published row's visibility, as its first registration made it; a test may change one as its owner would with the CLI. */
  readonly rowVisibility = new Map<string, 'public' | 'private'>();
  /** Each result message the sockets carried: its type, task and how many results it held. */
  readonly resultMessages: Array<{ type: 'result' | 'results' | 'chunks'; taskId: string; count: number }> = [];
  /** Sessions presented on each stream open, in order. */
  readonly streamOpens: string[] = [];
  /** Sessions presented on each accepted provider socket, in order. */
  readonly socketOpens: string[] = [];
  /** Answer control stream opens with this instead of 200. */
  refuseStream: { status: number; error: string } | undefined;
  /** Answer provider socket upgrades with this instead of 101. */
  refuseUpgrade: { status: number; error: string } | undefined;
  /** Serve the provider socket and advertise it; an mcpd without it answers the socket's path with 404. */
  serveSocket: boolean;
  readonly binaryChunks: boolean;
  /** Answer registrations with this instead of 201. */
  refuseRegistration: { status: number; error: string } | undefined;
  answerStyle: AnswerStyle = 'full';
  /** Heartbeats are read and recorded, then never answered, as a half-open mcpd leaves them. */
  hangHeartbeats = false;
  /** Tasks whose result posts get 404, as mcpd answers for finished or cancelled tasks. */
  readonly goneTasks = new Set<string>();
  /** This many result posts are recorded, then their connections end without an answer. */
  loseResultAnswers = 0;
  /** Answer result posts with this. */
  refuseResults: { status: number; error: string } | undefined;
  /** Result posts received, answered or not. */
  resultPosts = 0;
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private readonly sockets = new Set<AcceptedSocket>();
  private readonly socketServer = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly waiters = new Set<() => void>();
  private nextSession = 0;
  private baseUrl: string | undefined;

  constructor(options: FakeMcpdOptions = {}) {
    this.serveSocket = options.socket ?? false;
    this.binaryChunks = options.binaryChunks ?? false;
    this.server = createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: String(error) }));
      });
    });
    this.server.on('upgrade', (request: IncomingMessage, connection: Socket, head: Buffer) => this.upgrade(request, connection, head));
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('fake mcpd is not listening');
    return this.baseUrl;
  }

  /** Control streams and provider sockets open now. */
  get openStreams(): number {
    return this.streams.size + this.sockets.size;
  }

  /** The provider sockets open now. */
  get openSockets(): ReadonlySet<AcceptedSocket> {
    return this.sockets;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.dropStreams();
    this.socketServer.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Sends one task down every open control stream and provider socket: `event: task` on SSE, a `task` message on a socket. */
  pushTask(task: ProviderTask | Record<string, unknown>): void {
    if (this.openStreams === 0) throw new Error('no control stream is open');
    for (const stream of this.streams) stream.write(`event: task\ndata: ${JSON.stringify(task)}\n\n`);
    for (const { socket } of this.sockets) socket.send(JSON.stringify({ type: 'task', task }));
  }

  /** Raw SSE text down every open control stream. */
  pushRaw(text: string): void {
    if (this.streams.size === 0) throw new Error('no control stream is open');
    for (const stream of this.streams) stream.write(text);
  }

  /** One message down every open provider socket, as it is given (a malformed one included). */
  pushSocketMessage(message: ProviderSocketDownMessage | Record<string, unknown>): void {
    if (this.sockets.size === 0) throw new Error('no provider socket is open');
    for (const { socket } of this.sockets) socket.send(JSON.stringify(message));
  }

  /** A WebSocket ping down every open provider socket, as mcpd sends every 10 s. */
  pingSockets(): void {
    for (const { socket } of this.sockets) socket.ping();
  }

  /** Closes every provider socket with `code`, as mcpd does when a session is gone (4004) or it shuts down (1001). */
  closeSockets(code: number, reason = ''): void {
    for (const { socket } of this.sockets) socket.close(code, reason);
  }

  /**
   * Revokes the token and mints the user a new one, which it answers, as `mcpctl login` would
   * be given it: the streams opened with the old one end as mcpd ends them (the SSE answer
   * finishes, a socket closes as `sessionGone` without a reason), and the old token is refused.
   */
  revokeToken(): string {
    this.token = `${this.token}-renewed`;
    for (const stream of this.streams) stream.end();
    this.closeSockets(providerSocketCloseCodes.sessionGone);
    return this.token;
  }

  /** Ends every control stream and cuts every provider socket, as mcpd does when it shuts down or drops a connection. */
  dropStreams(): void {
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
    for (const { socket } of this.sockets) socket.terminate();
    this.sockets.clear();
  }

  resultsOf(taskId: string): TaskResult[] {
    return this.results.filter((entry) => entry.taskId === taskId).map((entry) => entry.result);
  }

  /** Resolves once `check` holds; rejects after `timeoutMs`, saying what it waited for. */
  waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (!check()) return;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '/';
    if (request.headers.authorization !== `Bearer ${this.token}`) return send(response, 401, { error: 'missing or invalid bearer token' });
    if (request.method === 'POST' && path === '/api/v1/llms/_provider-register') return this.register(request, response);
    if (request.method === 'GET' && path === '/api/v1/llms/_provider-stream') return this.openStream(request, response);
    if (request.method === 'POST' && path === '/api/v1/llms/_provider-heartbeat') {
      const body = providerHeartbeatRequestSchema.parse(await readJson(request));
      this.heartbeats.push({ providerSessionId: body.providerSessionId, hibernating: body.hibernating, awake: body.awake, at: Date.now() });
      if (this.hangHeartbeats) return this.notify();
      this.acknowledge(response, { nextHeartbeatSeconds: 30 });
      return this.notify();
    }
    const result = /^\/api\/v1\/llms\/_provider-task\/([^/]+)\/result$/.exec(path);
    if (request.method === 'POST' && result?.[1]) {
      const taskId = decodeURIComponent(result[1]);
      this.resultPosts += 1;
      if (this.refuseResults) return send(response, this.refuseResults.status, { error: this.refuseResults.error });
      const body = taskResultSchema.parse(await readJson(request));
      if (this.goneTasks.has(taskId)) return send(response, 404, { error: `unknown task ${taskId}` });
      this.results.push(recordResult(taskId, body, Date.now(), 'post'));
      if (this.loseResultAnswers > 0) {
        // Taken, but the answer never comes: the connection ends under the request.
        this.loseResultAnswers -= 1;
        request.socket.destroy();
        return this.notify();
      }
      this.acknowledge(response, { bufferedChunks: 0 });
      return this.notify();
    }
    send(response, 404, { error: `no route ${request.method!} ${path}` });
  }

  private async register(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = providerRegisterRequestSchema.parse(await readJson(request));
    this.registrations.push(body);
    this.notify();
    if (this.refuseRegistration) return send(response, this.refuseRegistration.status, { error: this.refuseRegistration.error });
    this.nextSession += 1;
    const providerSessionId = body.providerSessionId ?? `session-${this.nextSession}`;
    if (this.answerStyle === 'minimal') return send(response, 201, { providerSessionId, llms: [] });
    // As mcpd does, a row keeps the visibility it was created with: re-registering never changes it.
    for (const provider of body.providers) if (!this.rowVisibility.has(provider.name)) this.rowVisibility.set(provider.name, provider.visibility ?? 'private');
    const llms = body.providers.map((provider) => ({ ...llmViewOf(provider), visibility: this.rowVisibility.get(provider.name) ?? 'private' }));
    const advertised = { ...(this.serveSocket ? { providerSocketPath: PROVIDER_SOCKET_PATH } : {}), takesResultSeq: true };
    if (this.answerStyle === 'full') return send(response, 201, { providerSessionId, llms, agents: [], ...advertised });
    send(response, 201, {
      providerSessionId,
      llms: llms.map((llm) => ({ ...llm, status: 'draining', region: 'eu-1', transports: ['sse', 'websocket'] })),
      agents: null,
      ...advertised,
      serverVersion: '9.0.0',
      heartbeatIntervalSeconds: 30,
    });
  }

  /** A 2xx answer to a heartbeat or a result post, worded in the answer style. */
  private acknowledge(response: ServerResponse, extra: Record<string, unknown>): void {
    if (this.answerStyle === 'minimal') {
      response.writeHead(204);
      response.end();
      return;
    }
    send(response, 200, this.answerStyle === 'extended' ? { ok: true, ...extra } : { ok: true });
  }

  private openStream(request: IncomingMessage, response: ServerResponse): void {
    const session = request.headers[PROVIDER_SESSION_HEADER];
    if (request.headers.accept !== 'text/event-stream' || typeof session !== 'string') {
      return send(response, 400, { error: 'expected Accept: text/event-stream and a session header' });
    }
    if (this.refuseStream) return send(response, this.refuseStream.status, { error: this.refuseStream.error });
    this.streamOpens.push(session);
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const hello = this.answerStyle === 'extended' ? { providerSessionId: session, serverVersion: '9.0.0', websocket: false } : { providerSessionId: session };
    response.write(`event: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    this.streams.add(response);
    response.on('close', () => {
      this.streams.delete(response);
      this.notify();
    });
    this.notify();
  }

  /** The provider socket's upgrade: refused as the SSE stream route refuses, else accepted with `hello` first. */
  private upgrade(request: IncomingMessage, connection: Socket, head: Buffer): void {
    connection.on('error', () => undefined);
    if (request.headers.authorization !== `Bearer ${this.token}`) return refuseUpgrade(connection, 401, { error: 'missing or invalid bearer token' });
    if (!this.serveSocket || request.url !== PROVIDER_SOCKET_PATH) return refuseUpgrade(connection, 404, { error: `no route GET ${request.url ?? '/'}` });
    const session = request.headers[PROVIDER_SESSION_HEADER];
    if (typeof session !== 'string') return refuseUpgrade(connection, 400, { error: 'expected a session header' });
    if (this.refuseUpgrade) return refuseUpgrade(connection, this.refuseUpgrade.status, { error: this.refuseUpgrade.error });
    this.socketServer.handleUpgrade(request, connection, head, (socket) => {
      this.socketOpens.push(session);
      const accepted: AcceptedSocket = { socket, connection, session, ordinal: this.socketOpens.length };
      this.sockets.add(accepted);
      socket.on('close', () => {
        this.sockets.delete(accepted);
        this.notify();
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) this.onSocketChunks(accepted, data as Buffer);
        else this.onSocketMessage(accepted, (data as Buffer).toString('utf8'));
      });
      const hello: ProviderSocketDownMessage = { type: 'hello', providerSessionId: session };
      if (this.binaryChunks) hello.takesBinaryChunks = true;
      socket.send(JSON.stringify(hello));
      this.notify();
    });
  }

  /** A binary message: a stream's chunks, when this fake said it takes them; else not a message at all. */
  private onSocketChunks(accepted: AcceptedSocket, bytes: Buffer): void {
    const chunks = this.binaryChunks ? decodeSocketChunks(bytes) : undefined;
    if (!chunks) return accepted.socket.close(providerSocketCloseCodes.badMessage, 'not a provider socket message');
    this.resultMessages.push({ type: 'chunks', taskId: chunks.taskId, count: chunks.results.length });
    for (const result of chunks.results) this.results.push(recordResult(chunks.taskId, result, Date.now(), { socket: accepted.ordinal }));
    this.notify();
  }

  private onSocketMessage(accepted: AcceptedSocket, text: string): void {
    let parsed;
    try {
      parsed = providerSocketUpMessageSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) return accepted.socket.close(providerSocketCloseCodes.badMessage, 'not a provider socket message');
    const message = parsed.data;
    if (message.type === 'heartbeat') {
      this.heartbeats.push({ providerSessionId: accepted.session, hibernating: message.hibernating, awake: message.awake, at: Date.now() });
    } else if (this.goneTasks.has(message.taskId)) {
      accepted.socket.send(JSON.stringify({ type: 'gone', taskId: message.taskId, reason: `unknown task ${message.taskId}` } satisfies ProviderSocketDownMessage));
    } else {
      const results = message.type === 'results' ? message.results : [message.result];
      this.resultMessages.push({ type: message.type, taskId: message.taskId, count: results.length });
      for (const result of results) this.results.push(recordResult(message.taskId, result, Date.now(), { socket: accepted.ordinal }));
    }
    this.notify();
  }
}

/** An HTTP answer on a connection that asked to upgrade, then the end of it. */
function refuseUpgrade(connection: Socket, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  connection.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}

export async function startFakeMcpd(options: FakeMcpdOptions = {}): Promise<FakeMcpd> {
  const mcpd = new FakeMcpd(options);
  await mcpd.listen();
  return mcpd;
}

/** The row mcpd answers a registration with for one published provider. */
export function llmViewOf(provider: ProviderRegisterRequest['providers'][number]): LlmView {
  const now = new Date().toISOString();
  return {
    id: `id-${provider.name}`,
    name: provider.name,
    kind: 'virtual',
    type: provider.type,
    model: provider.model,
    url: null,
    tier: provider.tier ?? 'fast',
    description: provider.description ?? null,
    poolName: provider.poolName ?? null,
    visibility: provider.visibility ?? 'private',
    ownerId: 'user-1',
    owner: 'alice',
    status: provider.initialStatus ?? 'active',
    hasApiKey: false,
    maxConcurrent: provider.maxConcurrent ?? null,
    wakeRecipe: provider.wakeRecipe?.kind ?? null,
    lastWakeAt: null,
    lastWakeMs: null,
    providerSession: null,
    lastHeartbeatAt: now,
    inactiveSince: null,
    createdAt: now,
    updatedAt: now,
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8'));
}
