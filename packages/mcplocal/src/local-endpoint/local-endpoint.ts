import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { settledWithin, systemClock, type Clock } from '@mcpctl/clock';
import { currentToken, type BearerToken } from '../bearer-token.js';
import { LocalEndpointError, McplocalError } from '../errors.js';
import { FailoverRouter } from '../failover/failover-router.js';
import type { CompletionIdentity } from '../registrar/completion-identity.js';
import { chatCompletions, type ChatCompletionsContext } from './chat-completions.js';
import { listModels, type ListModelsContext } from './list-models.js';
import type { LocalEndpointLog, LocalEndpointOptions } from './local-endpoint-options.js';
import { McpdClient } from './mcpd-client.js';
import { isLoopbackHost, refuseWebPages } from './request-guard.js';
import { requireToken } from './require-token.js';
import { errorAnswer, failUnansweredStream, sendError, sendJson } from './send-answer.js';
import { errorFrame } from './sse-writer.js';
import { WAKE_COMMENT_INTERVAL_MS } from './wait-comments.js';

export const DEFAULT_LOCAL_ENDPOINT_HOST = '127.0.0.1';
export const DEFAULT_LOCAL_ENDPOINT_PORT = 3200;
const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
const DEFAULT_MODELS_TIMEOUT_MS = 5_000;

/** Each path's one method; another method on a known path answers 405. */
const ROUTES = { '/v1/chat/completions': 'POST', '/v1/models': 'GET' } as const;
const MODEL_PREFIX = '/v1/models/';
/** How much of a caller's text an error repeats, as mcpd does. */
const SHOWN_CHARACTERS = 200;
/** How long a stop waits for the answers it ended to tell their callers, before it cuts what is left. */
const STOP_GRACE_MS = 2_000;

/** The model a `/v1/models/NAME` path names; undefined when it names none (or is not valid escaping). */
function modelName(path: string): string | undefined {
  try {
    const name = decodeURIComponent(path.slice(MODEL_PREFIX.length));
    return name === '' ? undefined : name;
  } catch {
    return undefined;
  }
}

function shown(text: string): string {
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}…` : text;
}

/**
 * mcplocal's OpenAI-compatible endpoint for tools on the workstation: `/v1/chat/completions` and
 * `/v1/models` under one URL for local providers and everything mcpd offers the user, with
 * failover. A caller shows the user's own mcpd token (as an OpenAI client's API key) unless
 * `requireToken` is off; it listens on loopback by default and refuses web pages either way
 * (see `refuseWebPages`).
 */
export class LocalEndpoint {
  private readonly server: Server;
  private readonly loopbackOnly: boolean;
  private readonly chat: ChatCompletionsContext;
  private readonly models: ListModelsContext;
  private readonly log: LocalEndpointLog | undefined;
  /** The token a caller must show, asked at each request; `null` when none is required, undefined without credentials. */
  private readonly token: BearerToken | undefined | null;
  private baseUrl: string | undefined;
  private readonly clock: Clock;
  /** Requests being answered: a stop ends each with a word to its caller, not a cut connection. */
  private readonly answering = new Set<{ controller: AbortController; done: Promise<void> }>();
  /** Set once `close` began: a request that still comes (on a kept-alive connection) is told so at once. */
  private closing = false;

  private constructor(options: LocalEndpointOptions) {
    const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    const newId = options.newId ?? (() => randomUUID().replaceAll('-', ''));
    this.log = options.log;
    this.token = options.requireToken === false ? null : options.mcpd?.token;
    this.loopbackOnly = isLoopbackHost(options.host ?? DEFAULT_LOCAL_ENDPOINT_HOST);
    const client = options.mcpd ? new McpdClient(options.mcpd, fetchImpl) : undefined;
    const router =
      options.mcpd &&
      new FailoverRouter(options.registry, {
        mcpdUrl: options.mcpd.url,
        bearerToken: options.mcpd.token,
        fetch: fetchImpl,
        probeTimeoutMs: options.probeTimeoutMs,
        clock,
        log: options.log,
      });
    this.chat = {
      registry: options.registry,
      mcpd: client && router ? { client, router } : undefined,
      bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
      identity: (model): CompletionIdentity => ({ id: `chatcmpl-${newId()}`, created: Math.floor(clock.now().getTime() / 1000), model }),
      wakes: options.wakes,
      turns: options.turns,
      clock,
      wakeCommentIntervalMs: options.wakeCommentIntervalMs ?? WAKE_COMMENT_INTERVAL_MS,
      log: options.log,
    };
    this.models = {
      registry: options.registry,
      mcpd: client,
      startedAt: Math.floor(clock.now().getTime() / 1000),
      timeoutMs: options.modelsTimeoutMs ?? DEFAULT_MODELS_TIMEOUT_MS,
      clock,
      log: options.log,
    };
    // Tokens go out as they come: no Nagle delay between small SSE frames.
    this.server = createServer({ noDelay: true }, (request, response) => {
      const controller = new AbortController();
      if (this.closing) controller.abort(STOPPING);
      const open = { controller, done: this.handle(request, response, controller) };
      this.answering.add(open);
      void open.done.finally(() => this.answering.delete(open));
    });
  }

  /** Listens on `host:port`; rejects when the address is taken or not allowed. */
  static async start(options: LocalEndpointOptions): Promise<LocalEndpoint> {
    const endpoint = new LocalEndpoint(options);
    await endpoint.listen(options.port ?? DEFAULT_LOCAL_ENDPOINT_PORT, options.host ?? DEFAULT_LOCAL_ENDPOINT_HOST);
    return endpoint;
  }

  /** `http://HOST:PORT`, without a trailing slash; an OpenAI client takes `url + '/v1'`. */
  get url(): string {
    if (!this.baseUrl) throw new McplocalError('the local endpoint is not listening');
    return this.baseUrl;
  }

  /**
   * Stops listening and ends every open request: their local calls and forwards are aborted, and
   * each caller is told mcplocal is stopping (a 503, or an error frame ending a stream under way)
   * before the connections close.
   */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.closing = true;
    const closed = new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
    const open = [...this.answering];
    for (const { controller } of open) controller.abort(STOPPING);
    // A caller that does not read keeps its last write waiting: the stop waits for it only so long.
    await settledWithin(this.clock, STOP_GRACE_MS, open.map(({ done }) => done));
    this.server.closeAllConnections();
    await closed;
  }

  private async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        // Most often another mcplocal (another MCPCTL_HOME), or another program on the same port.
        const next = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? '; stop what listens there, or give this one another --port' : '';
        reject(new McplocalError(`the local endpoint cannot listen on ${host}:${port}: ${error.message}${next}`, { cause: error }));
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse, controller: AbortController): Promise<void> {
    if (controller.signal.aborted) return tellStopping(request, response, controller.signal);
    // The caller leaving cancels everything done for it: the local call, the forward to mcpd.
    response.once('close', () => {
      if (!response.writableFinished) controller.abort(new McplocalError('the caller went away'));
    });
    try {
      refuseWebPages(request, this.loopbackOnly);
      if (this.token !== null) requireToken(request, this.token === undefined ? undefined : currentToken(this.token));
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      const method = request.method ?? 'GET';
      // `GET /v1/models/NAME`: the SDKs' `models.retrieve`.
      const model = method === 'GET' && path.startsWith(MODEL_PREFIX) ? modelName(path) : undefined;
      if (model !== undefined) {
        const found = (await listModels(this.models, controller.signal)).data.find((entry) => entry.id === model);
        if (found === undefined) throw new LocalEndpointError(404, `model not found: ${shown(model)}; GET /v1/models lists the ones you may use`);
        sendJson(response, 200, found);
        return;
      }
      const allowed = Object.hasOwn(ROUTES, path) ? ROUTES[path as keyof typeof ROUTES] : undefined;
      if (allowed === undefined) {
        throw new LocalEndpointError(404, `no route for ${method} ${shown(path)}: this endpoint serves POST /v1/chat/completions, GET /v1/models and GET /v1/models/NAME`);
      }
      if (method !== allowed) {
        response.setHeader('allow', allowed);
        throw new LocalEndpointError(405, `${path} takes ${allowed}, not ${method}`);
      }
      if (path === '/v1/models') sendJson(response, 200, await listModels(this.models, controller.signal));
      else await chatCompletions(this.chat, request, response, controller.signal);
    } catch (error) {
      if (response.destroyed) return;
      if (controller.signal.aborted) return tellStopping(request, response, controller.signal);
      if (response.headersSent) {
        // A stream whose answer had not begun (it heard comments alone, while its backend woke)
        // is told why, with the status it would have had; any other answer is cut.
        if (!response.writableEnded && isEventStream(response)) {
          failUnansweredStream(response, error, this.log);
          return;
        }
        this.log?.warn(`local endpoint answer broke off: ${error instanceof Error ? error.message : String(error)}`);
        response.destroy();
        return;
      }
      sendError(request, response, errorAnswer(error, this.log));
      return;
    }
    // An answer the stop cut short ends without an error on its way here (its stream just stops).
    if (controller.signal.aborted && !response.destroyed) tellStopping(request, response, controller.signal);
  }
}

/** The abort reason of every request a stop ends. */
const STOPPING = new McplocalError('mcplocal is stopping');

/**
 * A request mcplocal's stop ended, unless its caller left first: a 503 when nothing was sent yet,
 * else an error frame ending the stream, never a silently cut answer.
 */
function tellStopping(request: IncomingMessage, response: ServerResponse, signal: AbortSignal): void {
  if (signal.reason !== STOPPING || response.writableEnded) return;
  if (!response.headersSent) {
    // The connection closes with the answer: the next request goes to the mcplocal that comes back.
    response.shouldKeepAlive = false;
    sendError(request, response, { status: 503, message: 'mcplocal is stopping; try again once it is back', retryAfter: '5' });
    return;
  }
  if (isEventStream(response)) response.end(errorFrame('mcplocal is stopping: the answer ends here', 503));
  else response.destroy();
}

function isEventStream(response: ServerResponse): boolean {
  return String(response.getHeader('content-type') ?? '').startsWith('text/event-stream');
}

/** Starts the local endpoint; see {@link LocalEndpoint}. */
export function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  return LocalEndpoint.start(options);
}
