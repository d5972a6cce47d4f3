import { systemClock, type Clock } from '@mcpctl/clock';
import type {
  ProviderHeartbeatRequest,
  ProviderRegisterAnswer,
  ProviderRegisterRequest,
  ProviderTransportMode,
  TaskResult,
} from '@mcpctl/protocol';
import type { BearerToken } from '../bearer-token.js';
import { McpdHttpError, McplocalError, UnusableTransportError } from '../errors.js';
import type { ControlChannel, PostedResult, StreamEnd, StreamListener } from '../registrar/control-channel.js';
import type { RegistrarLog } from '../registrar/registrar-options.js';
import { HttpControlChannel } from './http-control-channel.js';
import { WebSocketControlChannel } from './websocket-control-channel.js';

/** After falling back to SSE + POST, the socket is tried again at the first reopen this long after. */
const SOCKET_RETRY_MS = 10 * 60_000;

export interface NegotiatedControlChannelOptions {
  /** SSE + POST: what every mcpd speaks. */
  http: HttpControlChannel;
  /** The provider socket, over `http` for registering and for results while no socket is open. */
  socket: WebSocketControlChannel;
  /** `auto`: the socket when mcpd offers it and the upgrade works; `sse` and `websocket` force one. */
  mode: ProviderTransportMode;
  /** Where the fallback line goes. */
  log: RegistrarLog;
  /** Times the wait before the socket is tried again. Default: the system clock. */
  clock?: Clock | undefined;
  /** Default 10 minutes. */
  socketRetryMs?: number | undefined;
}

/**
 * The provider channel as mcplocal runs it: the provider socket when mcpd advertises one in its
 * register answer, SSE + POST when it does not (an older mcpd) or when the upgrade fails while
 * SSE + POST works (a proxy that does not pass WebSocket upgrades). A fallback is logged in one
 * line and holds for `socketRetryMs`; the socket is tried again at the first reopen after that,
 * never by ending a stream that works. A refused token (401, 403) is not a reason to fall back.
 */
export class NegotiatedControlChannel implements ControlChannel {
  readonly peer: string;
  private readonly http: HttpControlChannel;
  private readonly socket: WebSocketControlChannel;
  private readonly mode: ProviderTransportMode;
  private readonly log: RegistrarLog;
  private readonly clock: Clock;
  private readonly socketRetryMs: number;
  /** Monotonic time before which reopens use SSE + POST after a failed upgrade. */
  private sseUntil: number | undefined;

  constructor(options: NegotiatedControlChannelOptions) {
    this.http = options.http;
    this.socket = options.socket;
    this.peer = options.http.peer;
    this.mode = options.mode;
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.socketRetryMs = options.socketRetryMs ?? SOCKET_RETRY_MS;
  }

  async register(request: ProviderRegisterRequest, signal: AbortSignal): Promise<ProviderRegisterAnswer> {
    if (this.mode === 'sse') return this.http.register(request, signal);
    const answer = await this.socket.register(request, signal);
    if (this.mode === 'websocket' && answer.providerSocketPath === undefined) {
      throw new UnusableTransportError(
        `mcpd at ${this.peer} does not offer the provider socket (an older mcpd?), and the transport is forced to websocket (MCPLOCAL_PROVIDER_TRANSPORT or config.json "transport"), which forbids SSE + POST`,
        answer,
      );
    }
    return answer;
  }

  /** Over the open socket when there is one, else by POST. */
  heartbeat(request: ProviderHeartbeatRequest, signal: AbortSignal): Promise<void> {
    return this.socket.heartbeat(request, signal);
  }

  /** Over the open socket when there is one, else by POST. */
  postResult(taskId: string, result: TaskResult, signal: AbortSignal): PostedResult {
    return this.socket.postResult(taskId, result, signal);
  }

  async openStream(providerSessionId: string, listener: StreamListener, signal: AbortSignal): Promise<StreamEnd> {
    if (!this.socketFirst()) return this.http.openStream(providerSessionId, listener, signal);
    let greeted = false;
    const watched: StreamListener = {
      onOpen: (transport) => {
        greeted = true;
        this.sseUntil = undefined;
        listener.onOpen(transport);
      },
      onFrame: (frame) => listener.onFrame(frame),
    };
    try {
      return await this.socket.openStream(providerSessionId, watched, signal);
    } catch (socketError) {
      if (this.mode === 'websocket' || greeted || signal.aborted || isRefusedToken(socketError)) throw socketError;
      await this.fallBack(providerSessionId, listener, signal, socketError);
      return undefined;
    }
  }

  /** The socket, unless this run is forced onto SSE, mcpd offers none, or a recent fallback still holds. */
  private socketFirst(): boolean {
    if (this.mode === 'sse') return false;
    if (this.mode === 'websocket') return true;
    if (this.socket.advertisedPath === undefined) return false;
    return this.sseUntil === undefined || this.clock.monotonic() >= this.sseUntil;
  }

  /**
   * SSE + POST right after a socket that did not come up. Only when SSE opens is the socket to
   * blame (mcpd down, or a session it forgot, fails both): then the fallback is logged and held.
   */
  private async fallBack(providerSessionId: string, listener: StreamListener, signal: AbortSignal, socketError: unknown): Promise<void> {
    const why = describe(socketError);
    const onOpen = listener.onOpen.bind(listener);
    let opened = false;
    const fallback: StreamListener = {
      onOpen: (transport) => {
        opened = true;
        this.sseUntil = this.clock.monotonic() + this.socketRetryMs;
        const minutes = Math.round(this.socketRetryMs / 60_000);
        this.log.warn(`the provider socket did not come up (${why}); falling back to SSE + POST, and trying the socket again in ${minutes} min`);
        onOpen(transport);
      },
      onFrame: (frame) => listener.onFrame(frame),
    };
    try {
      await this.http.openStream(providerSessionId, fallback, signal);
    } catch (sseError) {
      if (opened || signal.aborted) throw sseError;
      // mcpd said on the socket that it forgot the session, and SSE never reached it: the 404 is
      // what the registrar must hear, to register again.
      if (socketError instanceof McpdHttpError && socketError.status === 404 && !(sseError instanceof McpdHttpError)) throw socketError;
      const message = `${describe(sseError)} (after the provider socket failed: ${why})`;
      // The registrar tells a refused token by its status, whichever transport was refused.
      if (sseError instanceof McpdHttpError) throw new McpdHttpError(sseError.status, message, { cause: sseError, retryAfterMs: sseError.retryAfterMs });
      throw new McplocalError(message, { cause: sseError });
    }
  }
}

export interface ControlChannelSettings {
  /** mcpd's base URL. */
  mcpdUrl: string;
  /** A function is asked at each request: the credentials as `mcpctl login` last wrote them. */
  token: BearerToken;
  mode: ProviderTransportMode;
  log: RegistrarLog;
  clock: Clock;
}

/** The channel mcplocal's registrar speaks: SSE + POST and the provider socket, negotiated. */
export function createControlChannel(settings: ControlChannelSettings): NegotiatedControlChannel {
  const http = new HttpControlChannel({ mcpdUrl: settings.mcpdUrl, token: settings.token, clock: settings.clock });
  const socket = new WebSocketControlChannel({ http, token: settings.token, clock: settings.clock });
  return new NegotiatedControlChannel({ http, socket, mode: settings.mode, log: settings.log, clock: settings.clock });
}

function isRefusedToken(error: unknown): boolean {
  return error instanceof McpdHttpError && (error.status === 401 || error.status === 403);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
