import { systemClock, type Clock } from '@mcpctl/clock';
import {
  PROVIDER_SESSION_HEADER,
  type ProviderHeartbeatRequest,
  providerRegisterAnswerSchema,
  type ProviderRegisterRequest,
  type ProviderRegisterAnswer,
  type TaskResult,
} from '@mcpctl/protocol';
import { describeNetworkError, networkErrorCode } from '@mcpctl/upstream';
import { Agent, request } from 'undici';
import { currentToken, type BearerToken } from '../bearer-token.js';
import { McpdUnreachableError, McplocalError, type McpdHttpError } from '../errors.js';
import type { ControlChannel, ResultDelivery, StreamEnd, StreamListener } from '../registrar/control-channel.js';
import { IdleWatchdog } from './idle-watchdog.js';
import { boundedMcpdExchange, callMcpd, type McpdRequest } from './mcpd-exchange.js';
import { mcpdRefusal } from './mcpd-refusal.js';
import { readEventStream } from './read-event-stream.js';

/** A short exchange (register, heartbeat, one result) that takes longer has hung. */
const REQUEST_TIMEOUT_MS = 30_000;
/**
 * Pauses before each further try of a result post whose connection failed before mcpd answered:
 * time for the balancer to see a leaving replica, and for idle connections to it to close.
 */
const RESULT_RETRY_PAUSES_MS = [100, 300];
/** Socket errors that end a connection before its answer: the request may be sent again on another. */
const CONNECTION_LOST = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE']);
/** mcpd pings every 20 s; three missed pings mean the connection is dead even if TCP has not noticed. */
const STREAM_IDLE_TIMEOUT_MS = 65_000;

export interface HttpControlChannelOptions {
  /** mcpd's base URL, e.g. `http://mcpd:3100`. */
  mcpdUrl: string;
  /**
   * Bearer token of the user who owns the published rows; a function is asked at each request, so
   * a token `mcpctl login` wrote since reaches the next one.
   */
  token: BearerToken;
  /** Default: the global `fetch`, and undici's own client for result posts. */
  fetch?: typeof fetch | undefined;
  /** Times the request timeout and the stream's silence. Default: the system clock. */
  clock?: Clock | undefined;
  /** A control stream silent this long is dead even if TCP has not noticed. Default 65 000. */
  streamIdleTimeoutMs?: number | undefined;
  /** A register, heartbeat or result post that has not been answered after this long has hung. Default 30 000. */
  requestTimeoutMs?: number | undefined;
}

/**
 * The provider channel over mcpd's HTTP routes (SPEC §4.3): JSON posts one way, an SSE stream the
 * other. Users' mcplocal builds speak exactly this, so its requests and their reading do not change.
 */
export class HttpControlChannel implements ControlChannel {
  readonly peer: string;
  private readonly mcpdUrl: string;
  private readonly baseUrl: string;
  private readonly token: BearerToken;
  private readonly fetch: typeof fetch;
  private readonly clock: Clock;
  private readonly streamIdleTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  /** Result posts are the relay's hot path: undici's own client costs a third of `fetch`. */
  private readonly resultAgent: Agent | undefined;
  /** mcpd said, in its register answer, that it takes each result `seq` once: a repeat is safe. */
  private takesResultSeq = false;

  constructor(options: HttpControlChannelOptions) {
    this.mcpdUrl = options.mcpdUrl.replace(/\/+$/, '');
    this.peer = options.mcpdUrl;
    this.baseUrl = `${this.mcpdUrl}/api/v1/llms`;
    this.token = options.token;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? systemClock;
    this.resultAgent = options.fetch ? undefined : new Agent({ keepAliveTimeout: 30_000 });
    this.streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? STREAM_IDLE_TIMEOUT_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  register(request: ProviderRegisterRequest, signal: AbortSignal): Promise<ProviderRegisterAnswer> {
    return this.post('/_provider-register', request, signal, 'the registration', async (response) => {
      if (response.status !== 201) throw await httpError(response, 'the registration');
      const parsed = providerRegisterAnswerSchema.safeParse(await readJson(response, 'the registration'));
      if (!parsed.success) {
        throw new McplocalError(`mcpd answered the registration with an unexpected body: ${parsed.error.message}`, { cause: parsed.error });
      }
      this.takesResultSeq = parsed.data.takesResultSeq === true;
      return parsed.data;
    });
  }

  heartbeat(request: ProviderHeartbeatRequest, signal: AbortSignal): Promise<void> {
    return this.post('/_provider-heartbeat', request, signal, 'a heartbeat', async (response) => {
      if (!response.ok) throw await httpError(response, 'a heartbeat');
      await response.body?.cancel();
    });
  }

  /**
   * One result. When its connection fails before mcpd answers (a kept-alive one a replica closed
   * as it left, say), it is posted again, at most twice, after a pause: through a balancer that
   * reaches a replica that stays. Only to an mcpd that takes each `seq` once: an older one might
   * have taken the first and would take the repeat too, so there the task fails as it always did.
   */
  async postResult(taskId: string, result: TaskResult, signal: AbortSignal): Promise<ResultDelivery> {
    const path = `/_provider-task/${encodeURIComponent(taskId)}/result`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.postResultOnce(path, result, signal);
      } catch (error) {
        const pause = RESULT_RETRY_PAUSES_MS[attempt];
        if (pause === undefined || !this.takesResultSeq || result.seq === undefined || signal.aborted || !connectionLost(error)) throw error;
        await this.clock.sleep(pause, signal);
      }
    }
  }

  private postResultOnce(path: string, result: TaskResult, signal: AbortSignal): Promise<ResultDelivery> {
    if (this.resultAgent) return this.postResultFast(path, result, signal, this.resultAgent);
    return this.post(path, result, signal, 'a task result', async (response) => {
      if (response.status === 404) {
        await response.body?.cancel();
        return 'gone';
      }
      if (!response.ok) throw await httpError(response, 'a task result');
      await response.body?.cancel();
      return 'delivered';
    });
  }

  private async postResultFast(path: string, result: TaskResult, signal: AbortSignal, dispatcher: Agent): Promise<ResultDelivery> {
    let response;
    try {
      response = await request(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${currentToken(this.token)}` },
        body: JSON.stringify(result),
        signal,
        dispatcher,
        headersTimeout: this.requestTimeoutMs,
        bodyTimeout: this.requestTimeoutMs,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new McpdUnreachableError(`cannot reach mcpd at ${this.mcpdUrl} for a task result: ${describeNetworkError(error)}`, { cause: error });
    }
    // mcpd answered: whatever befalls the rest of the answer, the result is never posted again.
    const text = await response.body.text().catch(() => '');
    if (response.statusCode === 404) return 'gone';
    if (response.statusCode >= 200 && response.statusCode < 300) return 'delivered';
    throw mcpdRefusal(response.statusCode, text, 'a task result');
  }

  async openStream(providerSessionId: string, listener: StreamListener, signal: AbortSignal): Promise<StreamEnd> {
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(signal.reason);
    if (signal.aborted) forwardAbort();
    signal.addEventListener('abort', forwardAbort, { once: true });
    const idleSeconds = Math.round(this.streamIdleTimeoutMs / 1000);
    const watchdog = new IdleWatchdog(this.clock, this.streamIdleTimeoutMs, () =>
      controller.abort(new McplocalError(`mcpd sent nothing for ${idleSeconds} s`)),
    );
    try {
      const headers = { accept: 'text/event-stream', authorization: `Bearer ${currentToken(this.token)}`, [PROVIDER_SESSION_HEADER]: providerSessionId };
      const response = await callMcpd(this.request('/_provider-stream', { method: 'GET', headers }, 'the control stream'), controller.signal);
      if (response.status !== 200) throw await httpError(response, 'the control stream');
      if (!response.body) throw new McplocalError('mcpd answered the control stream without a body');
      watchdog.kick();
      listener.onOpen('sse');
      await readEventStream(response.body, { onEvent: (frame) => listener.onFrame(frame), onBytes: () => watchdog.kick() }).catch((error: unknown) => {
        if (controller.signal.aborted || networkErrorCode(error) === undefined) throw error;
        // undici's own word for a body cut short is "terminated": the cause says how.
        throw new McplocalError(`the connection to mcpd at ${this.mcpdUrl} broke: ${describeNetworkError(error)}`, { cause: error });
      });
      // SSE cannot say why it ended: the publisher reconnects as after any end.
      return undefined;
    } catch (error) {
      // The reader fails with whatever the abort carried; the watchdog's reason says more than "aborted".
      if (controller.signal.aborted && !signal.aborted) throw controller.signal.reason;
      throw error;
    } finally {
      watchdog.stop();
      signal.removeEventListener('abort', forwardAbort);
    }
  }

  /** One short exchange, its answer read by `read`, bounded by the request timeout. */
  private post<T>(path: string, body: unknown, signal: AbortSignal, what: string, read: (response: Response) => Promise<T>): Promise<T> {
    const init: RequestInit = {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${currentToken(this.token)}` },
      body: JSON.stringify(body),
    };
    return boundedMcpdExchange(this.request(path, init, what), { clock: this.clock, timeoutMs: this.requestTimeoutMs, signal }, read);
  }

  private request(path: string, init: RequestInit, what: string): McpdRequest {
    return { fetch: this.fetch, url: `${this.baseUrl}${path}`, init, peer: this.mcpdUrl, what };
  }
}

/** Whether the exchange failed because its connection ended before an answer (not a timeout, not an HTTP status). */
function connectionLost(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && CONNECTION_LOST.has(code);
}

/** mcpd's `{"error"}` text, or the status line when the body is not one. */
async function httpError(response: Response, what: string): Promise<McpdHttpError> {
  const text = await response.text().catch(() => '');
  return mcpdRefusal(response.status, text, what, response.statusText, response.headers.get('retry-after'));
}

async function readJson(response: Response, what: string): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    throw new McplocalError(`mcpd answered ${what} with a body that is not JSON`, { cause: error });
  }
}
