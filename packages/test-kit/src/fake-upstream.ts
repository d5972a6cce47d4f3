import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestKitError } from './errors.js';
import { Exchange, JSON_CONTENT_TYPE } from './exchange.js';
import type { FakeUpstreamListenOptions, FakeUpstreamOptions } from './fake-upstream-options.js';
import { isRecord } from './fake-answer.js';
import { BodyTooLargeError, parseJson, readBody, type ParsedJson } from './request-body.js';
import { serveChat, WELL_BEHAVED, type Misbehaviour } from './serve-chat.js';
import { resolveBehavior, type UpstreamBehavior } from './upstream-behavior.js';
import { findRoute, type UpstreamRoute } from './upstream-routes.js';
import { UpstreamStats, type RecordedRequest } from './upstream-stats.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const DEFAULT_WAIT_MS = 5_000;
const ASLEEP_BODY = JSON.stringify({ error: { message: 'model is asleep' } });

/**
 * A real HTTP model server speaking the OpenAI, Anthropic and Ollama dialects, with knobs for
 * latency, pacing, authentication, failures and sleep, and counters a test can read.
 */
export class FakeUpstream {
  private readonly server: Server;
  private readonly stats = new UpstreamStats();
  private readonly created = Math.floor(Date.now() / 1000);
  private options: FakeUpstreamOptions;
  private behavior: UpstreamBehavior;
  private failuresLeft: number;
  private isAsleep: boolean;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeCallAt: number | undefined;
  private wokeAt: number | undefined;
  private nextId = 0;
  private closing = false;
  private baseUrl: string | undefined;

  constructor(options: FakeUpstreamOptions = {}) {
    this.options = { ...options };
    this.behavior = resolveBehavior(this.options);
    this.failuresLeft = this.behavior.failCount;
    this.isAsleep = options.asleep ?? false;
    this.server = createServer((request, response) => this.onRequest(request, response));
  }

  /** `http://HOST:PORT`, without a trailing slash. */
  get url(): string {
    if (!this.baseUrl) throw new TestKitError('the fake upstream is not listening');
    return this.baseUrl;
  }

  /** `url + '/v1'`: what an OpenAI client takes as its base URL. */
  get openaiBaseUrl(): string {
    return `${this.url}/v1`;
  }

  get requests(): readonly RecordedRequest[] {
    return this.stats.requests;
  }

  get inFlight(): number {
    return this.stats.inFlight;
  }

  get maxInFlight(): number {
    return this.stats.maxInFlight;
  }

  /** Requests whose client went away before the answer was complete. */
  get cancelled(): number {
    return this.stats.cancelled;
  }

  get wakeCalls(): number {
    return this.stats.wakeCalls;
  }

  get asleep(): boolean {
    return this.isAsleep;
  }

  /** `performance.now()` of the last wake call, so a caller in this process can time a wake against its own clock. */
  get lastWakeCallAt(): number | undefined {
    return this.wakeCallAt;
  }

  /** `performance.now()` of the last moment the model went from asleep to awake: the instant it could serve again. */
  get lastWokeAt(): number | undefined {
    return this.wokeAt;
  }

  /** Changes some options; the rest keep their values. Requests already being answered are not affected. */
  setBehavior(partial: Partial<FakeUpstreamOptions>): void {
    const options = { ...this.options, ...partial };
    if ('tokenCount' in partial && !('tokens' in partial)) options.tokens = undefined;
    const behavior = resolveBehavior(options);
    this.options = options;
    this.behavior = behavior;
    if ('fail' in partial || 'mode' in partial || 'failCount' in partial) this.failuresLeft = behavior.failCount;
    if (partial.asleep === true) this.sleep();
    if (partial.asleep === false) this.wakeNow();
  }

  resetStats(): void {
    this.stats.reset();
  }

  waitForCancelled(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.stats.waitUntil(
      () => this.stats.cancelled >= count,
      timeoutMs,
      () => `${count} cancelled request(s), saw ${this.stats.cancelled}`,
    );
  }

  /** Resolves once `count` requests have been recorded (all routes, failed ones included). */
  waitForRequests(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.stats.waitUntil(
      () => this.stats.requests.length >= count,
      timeoutMs,
      () => `${count} request(s), saw ${this.stats.requests.length}`,
    );
  }

  /** Puts the model to sleep until the next wake call; a pending wake is called off. */
  sleep(): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.isAsleep = true;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  /** Stops listening and drops every connection at once, hung requests included. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.wakeTimer);
    this.stats.rejectWaiters(new TestKitError('the fake upstream closed'));
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
    this.server.closeAllConnections();
    await closed;
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    this.stats.begin();
    const exchange = new Exchange(request, response, (abandoned) => this.stats.end(abandoned && !this.closing));
    this.handle(exchange).catch((error: unknown) => {
      // A wait cut short by the client leaving: there is nobody left to answer.
      if (exchange.signal.aborted) return;
      if (response.headersSent) return exchange.destroy();
      const message = error instanceof Error ? error.message : String(error);
      exchange.send(500, JSON_CONTENT_TYPE, JSON.stringify({ error: { message: `fake upstream failed: ${message}` } }));
    });
  }

  private async handle(exchange: Exchange): Promise<void> {
    const { request } = exchange;
    const method = request.method ?? 'GET';
    const target = request.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt < 0 ? target : target.slice(0, queryAt);
    let text: string;
    try {
      text = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return exchange.send(413, JSON_CONTENT_TYPE, JSON.stringify({ error: { message: error.message } }));
      // The client went away while sending; the exchange's close handler has counted it.
      return;
    }
    const body = parseJson(text);
    const behavior = this.behavior;
    if (behavior.recordRequests) {
      this.stats.record({
        method,
        path,
        headers: request.headers,
        body: body.ok ? body.value : text || undefined,
        receivedAt: Date.now(),
      });
    }

    const route = findRoute(method, path);
    if (!route) {
      const notFound = { error: { message: `no route for ${method} ${path}`, type: 'invalid_request_error' } };
      return exchange.send(404, JSON_CONTENT_TYPE, JSON.stringify(notFound));
    }
    if (route.kind === 'health') {
      return this.isAsleep ? exchange.send(503, JSON_CONTENT_TYPE, ASLEEP_BODY) : exchange.send(200, JSON_CONTENT_TYPE, '{"status":"ok"}');
    }
    if (route.kind === 'sleep-state') {
      return exchange.send(200, JSON_CONTENT_TYPE, JSON.stringify({ is_sleeping: this.isAsleep }));
    }
    if (route.kind === 'wake') {
      this.wake();
      return exchange.send(200, JSON_CONTENT_TYPE, '{"ok":true}');
    }

    await this.serveModelRoute(exchange, route, body, behavior);
  }

  /** Authentication, sleep, then the dialect's answer: the order a real server behind a key checks them. */
  private async serveModelRoute(
    exchange: Exchange,
    route: Extract<UpstreamRoute, { kind: 'chat' | 'list' }>,
    body: ParsedJson,
    behavior: UpstreamBehavior,
  ): Promise<void> {
    const { dialect } = route;
    const fail = (status: number, message: string) => exchange.send(status, JSON_CONTENT_TYPE, dialect.errorBody(status, message));
    if (behavior.apiKey !== undefined && !dialect.isAuthorized(exchange.request.headers, behavior.apiKey)) {
      return fail(401, 'invalid API key');
    }
    if (this.isAsleep) return fail(503, 'model is asleep');
    if (route.kind === 'list') return exchange.send(200, JSON_CONTENT_TYPE, route.render(behavior.model, this.created));
    if (!body.ok) return fail(400, body.problem);
    const parsed = dialect.parseChat(body.value);
    if (!parsed.ok) return fail(400, parsed.problem);
    if (behavior.refuseStreamOptions && dialect.name === 'openai' && isRecord(body.value) && 'stream_options' in body.value) {
      return exchange.send(422, JSON_CONTENT_TYPE, extraForbidden(['body', 'stream_options'], body.value.stream_options));
    }
    this.nextId += 1;
    await serveChat(exchange, dialect, parsed.input, behavior, this.takeMisbehaviour(behavior), `${dialect.idPrefix}${this.nextId}`);
  }

  private takeMisbehaviour(behavior: UpstreamBehavior): Misbehaviour {
    if ((!behavior.fail && behavior.mode === 'normal') || this.failuresLeft <= 0) return WELL_BEHAVED;
    this.failuresLeft -= 1;
    return { fail: behavior.fail, mode: behavior.mode };
  }

  private wake(): void {
    this.wakeCallAt = performance.now();
    this.stats.wakeCalls += 1;
    if (!this.isAsleep || this.wakeTimer) return;
    const delayMs = this.behavior.wakeDelayMs;
    if (delayMs === 0) return this.wakeNow();
    this.wakeTimer = setTimeout(() => this.wakeNow(), delayMs);
  }

  private wakeNow(): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    if (this.isAsleep) this.wokeAt = performance.now();
    this.isAsleep = false;
  }
}

/** Starts a fake upstream on `host` (default 127.0.0.1) and `port` (default 0: a free one). */
export async function startFakeUpstream(options: FakeUpstreamListenOptions = {}): Promise<FakeUpstream> {
  const { port, host, ...behavior } = options;
  const upstream = new FakeUpstream(behavior);
  await upstream.listen(port, host);
  return upstream;
}

/** Mistral's answer to a field it does not know: a 422 with pydantic's `extra_forbidden` detail under `message`. */
function extraForbidden(loc: readonly string[], input: unknown): string {
  return JSON.stringify({
    object: 'error',
    message: { detail: [{ type: 'extra_forbidden', loc, msg: 'Extra inputs are not permitted', input }] },
    type: 'invalid_request_error',
    param: null,
    code: null,
  });
}
