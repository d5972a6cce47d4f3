import type { IncomingHttpHeaders } from 'node:http';
import { REST_OF_STREAM_MS, REST_OF_STREAM_READS, type RestOfStreamTimer } from './rest-of-stream.js';
import type { Dispatcher } from 'undici';
import type { CancelSignal } from './cancel-signal.js';

/** One HTTP call to a model server. */
export interface UpstreamRequestInit {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | null | undefined;
}

export interface SendUpstreamOptions {
  dispatcher: Dispatcher;
  /**
   * Cuts the call until the answer is complete: the answer or the read in progress fails with
   * `abortReason()`. Once `readRest` starts, the rest of the body is no longer the caller's.
   */
  signal: CancelSignal;
  /** What the call fails with once `signal` aborted: each program names its own reason. */
  abortReason(): Error;
  /** undici's own timers, in ms; undici's defaults when left out. */
  headersTimeoutMs?: number | undefined;
  /** How long the body may go without a read; restarts with every read. */
  bodyTimeoutMs?: number | undefined;
}

/** A bound on a whole body, and the error it fails with past it. */
export interface TextLimit {
  maxBytes: number;
  tooLarge(): Error;
}

/** Takes one read of the body; answers false once it needs no more (the answer is complete). */
export type BodyReader = (bytes: Buffer) => boolean;

/** The upstream's answer once its status and headers came; its body is read through it. */
export interface UpstreamAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  /** The whole body as text; past `limit.maxBytes` the body is cut and the text fails with `limit.tooLarge()`. */
  text(limit?: TextLimit): Promise<string>;
  /**
   * Hands every read of the body to `reader` in order, the first ones included: `ended` when the
   * body ended, `stopped` when the reader answered false; rejects when the body broke (or the
   * reader threw).
   */
  read(reader: BodyReader): Promise<'ended' | 'stopped'>;
  /** Holds the body's reads (a reader that cannot keep up); `resume` lets them come again. */
  pause(): void;
  resume(): void;
  /**
   * The answer ended before the body did: what follows (normally only the end of the HTTP
   * message) is read and dropped so the connection goes back to its pool; a reader still reading
   * gets `stopped`. From then on neither the caller's signal nor `cut` reaches the body: past
   * REST_OF_STREAM_READS more reads or REST_OF_STREAM_MS it is cut instead.
   */
  readRest(timer: RestOfStreamTimer): void;
  /**
   * Cuts the body where it is (a reader waiting gets `reason`); its connection is not reused.
   * Nothing once the body ended, or once only its rest is read (`readRest` bounds that).
   */
  cut(reason?: Error): void;
}

/**
 * Sends the request and answers once the upstream's status and headers arrived; rejects with
 * undici's own error when they do not (each program maps those to its statuses). The body comes
 * through undici's handler callbacks, not a stream: a read is handed on the moment it arrives,
 * with no Readable, async iterator or promise per read between the socket and the reader, which
 * measured about a third of a public stream's cost in mcpd (docs/decisions.md).
 */
export function sendUpstream(request: UpstreamRequestInit, options: SendUpstreamOptions): Promise<UpstreamAnswer> {
  if (options.signal.aborted) return Promise.reject(options.abortReason());
  const exchange = new UpstreamExchange(options);
  try {
    const { origin, path, authorization } = splitUrl(request.url);
    options.dispatcher.dispatch(
      {
        origin,
        path,
        method: request.method,
        headers: authorization === undefined ? request.headers : withAuthorization(request.headers, authorization),
        body: request.body ?? null,
        // undici keeps these timers itself (the body's restarts with every read) and names their
        // expiry in its own error types, so they take numbers, not the injected clock.
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
      },
      exchange,
    );
  } catch (error) {
    exchange.onResponseError(undefined, error as Error);
  }
  return exchange.answer;
}

/** How the body ended: undefined while it goes on. */
type BodyEnd = { ended: true } | { ended: false; error: unknown };

type BodyState =
  /** Reads are kept until a reader comes; `end` once the body ended before one did. */
  | { kind: 'held'; reads: Buffer[]; end?: BodyEnd }
  | { kind: 'reading'; reader: BodyReader; resolve: (how: 'ended' | 'stopped') => void; reject: (error: unknown) => void }
  /** Reads after the answer are dropped, within bounds. */
  | { kind: 'rest'; left: number; cancelTimer: () => void }
  | { kind: 'over' };

/** One request's undici handler, and the answer it gives. */
class UpstreamExchange implements Dispatcher.DispatchHandler, UpstreamAnswer {
  statusCode = 0;
  headers: IncomingHttpHeaders = {};
  readonly answer: Promise<UpstreamAnswer>;
  #answered!: (answer: UpstreamAnswer) => void;
  #refused!: (error: unknown) => void;
  #started = false;
  #controller: Dispatcher.DispatchController | undefined;
  #body: BodyState = { kind: 'held', reads: [] };
  /** undici called its last callback for this request. */
  #over = false;
  readonly #onAbort = () => this.#abort(this.options.abortReason());

  constructor(private readonly options: SendUpstreamOptions) {
    this.answer = new Promise((resolve, reject) => {
      this.#answered = resolve;
      this.#refused = reject;
    });
    options.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.options.signal.aborted) controller.abort(this.options.abortReason());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // An informational answer (100 Continue, 103 Early Hints) comes before the real one.
    if (statusCode < 200) return;
    this.statusCode = statusCode;
    this.headers = headers;
    this.#started = true;
    this.#answered(this);
  }

  onResponseData(_controller: Dispatcher.DispatchController, bytes: Buffer): void {
    const body = this.#body;
    if (body.kind === 'reading') this.#hand(body, bytes);
    else if (body.kind === 'held') body.reads.push(bytes);
    else if (body.kind === 'rest' && (body.left -= 1) < 0) this.#abort(new Error('the upstream went on writing after its answer'));
  }

  onResponseEnd(): void {
    this.#finish({ ended: true });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (!this.#started) this.#refused(error);
    this.#finish({ ended: false, error });
  }

  text(limit?: TextLimit): Promise<string> {
    const reads: Buffer[] = [];
    let total = 0;
    const take = (bytes: Buffer) => {
      total += bytes.length;
      if (limit && total > limit.maxBytes) throw limit.tooLarge();
      return reads.push(bytes) > 0;
    };
    // A TextDecoder drops a leading byte order mark, as undici's `body.text()` did.
    return this.read(take).then(() => new TextDecoder().decode(Buffer.concat(reads)));
  }

  read(reader: BodyReader): Promise<'ended' | 'stopped'> {
    const held = this.#body;
    if (held.kind !== 'held') return Promise.reject(new Error('the upstream body is not there to read'));
    return new Promise((resolve, reject) => {
      const reading: BodyState = { kind: 'reading', reader, resolve, reject };
      this.#body = reading;
      for (const [index, bytes] of held.reads.entries()) {
        this.#hand(reading, bytes);
        const after = this.#body as BodyState;
        if (after === reading) continue;
        // The reader stopped: what it did not take, and the end, stay for the next one.
        if (after.kind === 'held') {
          after.reads.push(...held.reads.slice(index + 1));
          if (held.end) after.end = held.end;
        }
        return;
      }
      // The body ended before this reader came: it ends now.
      if (held.end) this.#finish(held.end);
    });
  }

  // undici resumes its parser on any call, request over or not: the connection may already
  // carry another request by then, so neither goes through once this body is over.
  pause(): void {
    if (!this.#over) this.#controller?.pause();
  }

  resume(): void {
    if (!this.#over) this.#controller?.resume();
  }

  readRest(timer: RestOfStreamTimer): void {
    const reading = this.#body;
    if (reading.kind === 'reading') {
      // The reader has its answer: it is told so, and what follows is the rest.
      this.#body = { kind: 'held', reads: [] };
      reading.resolve('stopped');
    }
    const held = this.#body;
    if (held.kind !== 'held') return;
    if (held.end) {
      this.#body = { kind: 'over' };
      return;
    }
    const left = REST_OF_STREAM_READS - held.reads.length;
    if (left < 0) {
      this.cut();
      return;
    }
    // The caller has its answer: its abort (a finished task's, a caller leaving now) no longer
    // concerns this body, which ends on its own or at the bounds below.
    this.options.signal.removeEventListener('abort', this.#onAbort);
    const cancelTimer = timer.after(REST_OF_STREAM_MS, () => this.#abort(new Error('the upstream kept its body open after its answer')));
    this.#body = { kind: 'rest', left, cancelTimer };
    this.resume();
  }

  cut(reason: Error = new Error('the upstream body was cut')): void {
    const body = this.#body;
    // The rest of a body is read within its own bounds, so the connection can be reused.
    if (body.kind === 'over' || body.kind === 'rest' || (body.kind === 'held' && body.end)) return;
    this.#abort(reason);
  }

  #hand(reading: Extract<BodyState, { kind: 'reading' }>, bytes: Buffer): void {
    let more: boolean;
    try {
      more = reading.reader(bytes);
    } catch (error) {
      this.#abort(error);
      return;
    }
    if (!more && this.#body === reading) {
      this.#body = { kind: 'held', reads: [] };
      reading.resolve('stopped');
    }
  }

  #abort(reason: unknown): void {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    this.#controller?.abort(error);
    // undici reports an abort through onResponseError; before the request started it cannot.
    this.onResponseError(undefined, error);
  }

  /** Settles whoever waits on the body; callbacks after it find the body over. */
  #finish(end: BodyEnd): void {
    const body = this.#body;
    if (body.kind === 'over' || (body.kind === 'held' && body.end)) return;
    this.#over = true;
    this.options.signal.removeEventListener('abort', this.#onAbort);
    if (body.kind === 'held') {
      // Reads nobody took yet stay for a reader that comes later.
      body.end = end;
      return;
    }
    this.#body = { kind: 'over' };
    if (body.kind === 'rest') body.cancelTimer();
    else if (end.ended) body.resolve('ended');
    else body.reject(end.error);
  }
}

interface SplitUrl {
  origin: string;
  path: string;
  /** `Basic …` from the URL's user info, when it has some. */
  authorization: string | undefined;
}

const splitUrls = new Map<string, SplitUrl>();
/** Upstream URLs are a handful per LLM; more than this and the memo starts again. */
const MAX_SPLIT_URLS = 1000;

/**
 * The origin and path undici's dispatch takes, parsed once per distinct URL. undici's dispatch
 * takes no user info, so a URL's `user:pass@` becomes Basic authorization here, as curl sends it.
 */
function splitUrl(url: string): SplitUrl {
  let split = splitUrls.get(url);
  if (!split) {
    const parsed = new URL(url);
    split = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}`, authorization: basicAuthorization(parsed) };
    if (splitUrls.size >= MAX_SPLIT_URLS) splitUrls.clear();
    splitUrls.set(url, split);
  }
  return split;
}

function basicAuthorization(url: URL): string | undefined {
  const token = basicToken(url);
  return token === undefined ? undefined : `Basic ${token}`;
}

/**
 * The credentials of Basic authorization made of a URL's user info, as sent: a secret as much as
 * the password, which a server may quote back without the word `Basic`.
 */
export function basicToken(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return Buffer.concat([userInfoBytes(url.username), COLON, userInfoBytes(url.password)]).toString('base64');
}

const COLON = Buffer.from(':');

/**
 * The bytes user info stands for: each escape its byte (`%C3%A9` is UTF-8's é, a lone `%E9`
 * stays the one byte), every other character its UTF-8, and a `%` that starts no escape itself.
 */
function userInfoBytes(text: string): Buffer {
  const parts: Buffer[] = [];
  for (const [piece, hex] of text.matchAll(/%([0-9a-f]{2})|%|[^%]+/gi)) {
    parts.push(hex === undefined ? Buffer.from(piece, 'utf8') : Buffer.of(Number.parseInt(hex, 16)));
  }
  return Buffer.concat(parts);
}

/** The request's own Authorization (an API key) wins over the URL's user info. */
function withAuthorization(headers: Record<string, string>, authorization: string): Record<string, string> {
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') return headers;
  return { ...headers, authorization };
}
