import { raced } from '@mcpctl/clock';
import { errorBodySchema, SERVED_BY_HEADER, statusUserReadSchema, statusViewSchema, type StatusView } from '@mcpctl/protocol';
import { describeNetworkError, networkErrorCode } from '@mcpctl/upstream';
import { LOGIN_COMMAND } from './credentials.js';
import { ApiError, CliError, ConnectionError, NotMcpdError, RequestError, isAbortError } from './errors.js';
import { withIdleBody } from './idle-body.js';
import { checkSchema, type Schema } from './schema-check.js';
import { readStreamParts, type StreamPart } from './stream-parts.js';

export interface ApiClientOptions {
  /** mcpd's base URL without a trailing slash, e.g. `http://127.0.0.1:3100`. */
  baseUrl: string;
  token: string;
  /** Injected in tests; the global `fetch` otherwise. */
  fetch?: typeof fetch;
  /** How long a request waits for the answer to begin; undefined waits as long as it takes. Not for requests that wait for a model. */
  timeoutMs?: number | undefined;
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** `/healthz` and `/readyz` are public: no Authorization header. */
  anonymous?: boolean;
  headers?: Record<string, string>;
  /** An inference: it waits for a model (a wake, a queue) as long as that takes, with no timeout of the client's. */
  waitsForModel?: boolean;
}

/** An opened `text/event-stream` answer. */
export interface EventStream {
  /** `x-mcpctl-served-by`: the pool member that answers. */
  servedBy: string | undefined;
  /** Every header of the answer (an agent chat names its thread in one). */
  headers: Headers;
  parts: AsyncGenerator<StreamPart>;
}

export { SERVED_BY_HEADER };

/** Answered to any token mcpd knows: what tells mcpd from another server that answers 404. */
export const STATUS_PATH = '/api/v1/status';

/** The verdict on a server that answered its status as mcpd does. */
const MCPD = 'mcpd';
const STUCK_HINT = 'is mcpd stuck or overloaded? MCPCTL_REQUEST_TIMEOUT sets how long to wait (2m, or 0 for as long as it takes)';

/**
 * mcpd's HTTP API as the CLI needs it: bearer auth, JSON in and out, error statuses turned
 * into `ApiError`s carrying mcpd's one-line message, network failures into `RequestError`s.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number | undefined;
  #status: Promise<StatusView> | undefined;
  /** Whether the server answers its status as mcpd does: asked once, before the first change or at the first 404. */
  #isMcpd: Promise<string> | undefined;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Sends the request and returns the answer whatever its status; only the network can fail it. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.anonymous !== true) headers.authorization = `Bearer ${this.#token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const timeoutMs = options.waitsForModel === true ? undefined : this.#timeoutMs;
    // Until the answer begins, then for each silence of its body: a long body that keeps coming is no stuck server.
    const timeout = new AbortController();
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => timeout.abort(), timeoutMs);
    const signal = options.signal === undefined ? timeout.signal : AbortSignal.any([options.signal, timeout.signal]);
    try {
      const response = await this.#fetch(`${this.baseUrl}${path}`, { method, headers, body, signal });
      if (timeoutMs === undefined) return response;
      return withIdleBody(response, timeoutMs, () => new ConnectionError(`mcpd at ${this.baseUrl} stopped sending its answer to ${method} ${path} for ${formatTimeout(timeoutMs)}`, { hint: STUCK_HINT }));
    } catch (error) {
      if (timeout.signal.aborted && options.signal?.aborted !== true) {
        throw new ConnectionError(`mcpd at ${this.baseUrl} did not answer ${method} ${path} within ${formatTimeout(timeoutMs ?? 0)}`, { hint: STUCK_HINT, cause: error });
      }
      if (isAbortError(error)) throw error;
      throw unreachable(this.baseUrl, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends the request; a non-2xx answer becomes an `ApiError` (a 404 from another server, a
   * `NotMcpdError`). A change (anything but a read) goes only to a server that answered its status
   * as mcpd does: what it carries (an API key, a new user's details, a prompt) must not reach
   * another server first and be found out after.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    if (method !== 'GET' && method !== 'HEAD') {
      // The check is shared by every request of the run: a caller who gives up stops waiting for it, not it.
      const verdict = await (options.signal ? raced(this.#mcpdVerdict(path), options.signal) : this.#mcpdVerdict(path));
      if (verdict !== MCPD) throw new NotMcpdError(this.baseUrl, verdict, { hint: notMcpdHint(this.baseUrl) });
    }
    const response = await this.send(method, path, options);
    if (response.ok) return response;
    const error = await toApiError(response, `${method} ${path}`);
    if (error.status === 404 && (await this.#mcpdVerdict(path)) !== MCPD) {
      // mcpd's own words (its "no route for …" under a path) help; another server's status line does not.
      const said = error.message.startsWith('HTTP 404') ? '' : ` (${error.message})`;
      throw new NotMcpdError(this.baseUrl, `${method} ${path} answered 404${said}`, { hint: notMcpdHint(this.baseUrl), cause: error });
    }
    throw error;
  }

  /**
   * Whether the server answers `GET /api/v1/status` as mcpd does: {@link MCPD}, or what it
   * answered instead. Another server is one that answers it 404, or with something that is not
   * a status (read loosely: a newer mcpd's status is still mcpd's). Any other failure (mcpd
   * refusing the token, a proxy's 502, no connection) leaves the question open: it fails the
   * command as it is, and the next request asks again.
   */
  #mcpdVerdict(path: string): Promise<string> {
    if (path === STATUS_PATH) return Promise.resolve(`GET ${STATUS_PATH} answered 404`);
    this.#isMcpd ??= forgetFailure(this.#askIsMcpd(), (probe) => this.#isMcpd === probe && (this.#isMcpd = undefined));
    return this.#isMcpd;
  }

  async #askIsMcpd(): Promise<string> {
    // Its status read already (a command's own question, such as the caller's grants): mcpd.
    if (this.#status !== undefined && (await this.#status.then(() => true, () => false))) return MCPD;
    const response = await this.send('GET', STATUS_PATH);
    if (response.status === 404) {
      // mcpd's own words (its "no route for …" under a path) help; another server's status line does not.
      const { message } = await toApiError(response, `GET ${STATUS_PATH}`);
      return `GET ${STATUS_PATH} answered 404${message.startsWith('HTTP 404') ? '' : ` (${message})`}`;
    }
    if (!response.ok) throw await toApiError(response, `GET ${STATUS_PATH}`);
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      if (isAbortError(error) || error instanceof CliError || networkErrorCode(error) !== undefined) throw error;
      return `its answer to GET ${STATUS_PATH} is not mcpd's status`;
    }
    // Kept for the command's own question, which then costs no second request.
    const status = statusViewSchema.safeParse(body);
    if (status.success) this.#status ??= Promise.resolve(status.data);
    return statusUserReadSchema.safeParse(body).success ? MCPD : `its answer to GET ${STATUS_PATH} is not mcpd's status`;
  }

  /** Who the token belongs to and what the server is: asked once per client (again after a failure). */
  status(): Promise<StatusView> {
    this.#status ??= forgetFailure(this.get(STATUS_PATH, statusViewSchema), (asked) => this.#status === asked && (this.#status = undefined));
    return this.#status;
  }

  /** Sends the request and validates the JSON answer against `schema`. */
  async json<T>(method: string, path: string, schema: Schema<T>, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    return readJson(response, schema, `${method} ${path}`, notMcpdHint(this.baseUrl));
  }

  get<T>(path: string, schema: Schema<T>, options: RequestOptions = {}): Promise<T> {
    return this.json('GET', path, schema, options);
  }

  /** POSTs `body` expecting `text/event-stream` back. */
  async stream(path: string, body: unknown, signal?: AbortSignal): Promise<EventStream> {
    const response = await this.request('POST', path, { body, signal, headers: { accept: 'text/event-stream' }, waitsForModel: true });
    const servedBy = response.headers.get(SERVED_BY_HEADER) ?? undefined;
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.startsWith('text/event-stream') || response.body === null) {
      await response.body?.cancel();
      throw new RequestError(`mcpd answered POST ${path} with ${contentType || 'no body'} instead of an event stream`);
    }
    return { servedBy, headers: response.headers, parts: readStreamParts(response.body) };
  }
}

/** Reads and validates a JSON answer; `hint` goes with an answer that is not what mcpd sends (another server's). */
export async function readJson<T>(response: Response, schema: Schema<T>, what: string, hint?: string): Promise<T> {
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    // A body that stalled says so itself.
    if (isAbortError(error) || error instanceof CliError) throw error;
    if (networkErrorCode(error) !== undefined) throw new ConnectionError(`the connection to mcpd broke while answering ${what}: ${describeNetworkError(error)}`, { cause: error });
    throw new RequestError(`mcpd answered ${what} with a body that is not JSON`, { hint, cause: error });
  }
  const checked = checkSchema(schema, json);
  if (!checked.ok) throw new RequestError(`unexpected answer from mcpd to ${what}: ${checked.problems}`, { hint });
  return checked.value;
}

/**
 * What to check when the server at `baseUrl` does not answer as mcpd does: mcpd's base URL has
 * no path (an OpenAI-style `…/v1`, mcpd's inference endpoint, is the usual slip), or it is
 * another server. `where` says how to give the URL without the path.
 */
export function notMcpdHint(baseUrl: string, where: (origin: string) => string = (origin) => `MCPCTL_URL=${origin}, or 'mcpctl login --url ${origin}'`): string {
  const { origin, pathname } = new URL(baseUrl);
  return pathname === '/' ? "is this mcpd's address and port?" : `mcpd's base URL has no path: try ${where(origin)}`;
}

async function toApiError(response: Response, what: string): Promise<ApiError> {
  // A body that cannot be read (it broke, or stalled) leaves the status line to speak, with its hint.
  const text = await response.text().catch(() => '');
  let message = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from ${what}`;
  try {
    const checked = checkSchema(errorBodySchema, JSON.parse(text));
    if (checked.ok) message = checked.value.error;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status line is the best we have.
  }
  const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
  const retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : undefined;
  return new ApiError(response.status, message, { hint: hintForStatus(response.status, retryAfterSeconds), retryAfterSeconds });
}

function hintForStatus(status: number, retryAfterSeconds: number | undefined): string | undefined {
  switch (status) {
    case 401:
      return `check the token, or run '${LOGIN_COMMAND}'`;
    case 429:
    case 503:
      return retryAfterSeconds === undefined ? undefined : `retry in ${retryAfterSeconds}s`;
    default:
      return undefined;
  }
}

function unreachable(baseUrl: string, error: unknown): RequestError {
  const reason = describeNetworkError(error);
  return new ConnectionError(`cannot reach mcpd at ${baseUrl}: ${reason}`, { hint: unreachableHint(error, reason), cause: error });
}

/** What to check, by the socket error `fetch` wraps as its cause (sometimes inside an AggregateError). */
function unreachableHint(error: unknown, reason: string): string {
  const code = networkErrorCode(error);
  const url = `the URL (MCPCTL_URL, or '${LOGIN_COMMAND}')`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `check the host name in ${url}`;
  // An https:// URL to a server that speaks plain HTTP.
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || (code === 'EPROTO' && reason.includes('wrong version number'))) {
    return `check the scheme in ${url}: does mcpd serve http:// there?`;
  }
  if (code !== undefined && (/^ERR_(SSL|TLS)_/.test(code) || CERTIFICATE_CODES.has(code))) {
    return "check mcpd's certificate: it must name the URL's host, and a private CA's certificate goes in NODE_EXTRA_CA_CERTS";
  }
  if (code === 'ECONNREFUSED') return `is mcpd running, and listening on the port in ${url}?`;
  // undici's fetch refuses the ports browsers block (6000, 6665-6669, 10080, …) before it
  // connects, with a cause whose whole message is its own text `bad port`.
  if (error instanceof Error && error.cause instanceof Error && error.cause.message === 'bad port') {
    return `fetch refuses this port, as browsers do: serve mcpd on another port (3100 by default) and put that one in ${url}`;
  }
  return 'is mcpd running, and is its address reachable from here?';
}


/** `promise`, with `forget(promise)` called should it fail: a cached answer must not keep a passing failure. */
function forgetFailure<T>(promise: Promise<T>, forget: (promise: Promise<T>) => unknown): Promise<T> {
  void promise.catch(() => forget(promise));
  return promise;
}

function formatTimeout(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** The codes Node gives a certificate it could not verify. */
const CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);
