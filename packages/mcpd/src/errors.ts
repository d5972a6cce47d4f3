import { describeDatabaseFailure, isConnectionFailure, isPoolExhausted } from '@mcpctl/db';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';

export interface HttpErrorOptions {
  cause?: unknown;
  /** Seconds a client should wait before trying again; sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /** A model server or a publisher failed (whatever the status): mcpd's failure log names it. */
  upstreamFailure?: boolean;
}

/** An error that becomes an HTTP answer: `status` and `{"error": message}`. */
export class HttpError extends Error {
  readonly retryAfterSeconds: number | undefined;
  readonly upstreamFailure: boolean;

  constructor(
    readonly statusCode: number,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.upstreamFailure = options.upstreamFailure ?? false;
  }
}

/**
 * A retry found every member of its pool already tried (a pool of one): there is nobody to wait
 * for, so it fails at once. Its caller answers with the first member's failure.
 */
export class NoOtherMemberError extends HttpError {
  constructor(pool: string) {
    super(503, `pool ${pool} has no other member to ask`);
  }
}

/** The most of a caller's own input an error message or a log line repeats back. */
export const MAX_ECHOED_CHARACTERS = 200;

/** A caller's input fit for an error message: at most 200 characters of it, then `…`. */
export function echo(input: string): string {
  return input.length > MAX_ECHOED_CHARACTERS ? `${input.slice(0, MAX_ECHOED_CHARACTERS)}…` : input;
}

export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message = 'missing or invalid bearer token') => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);
export const tooManyRequests = (message: string, retryAfterSeconds?: number) =>
  new HttpError(429, message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
export const badGateway = (message: string, cause?: unknown) => new HttpError(502, message, { cause });
export const serviceUnavailable = (message: string, retryAfterSeconds?: number) =>
  new HttpError(503, message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
/** A publisher's failure that says when it serves again: 503 with its `Retry-After`, logged as an upstream's failure. */
export const publisherUnavailable = (message: string, retryAfterSeconds: number) => new HttpError(503, message, { retryAfterSeconds, upstreamFailure: true });
export const gatewayTimeout = (message: string, cause?: unknown) => new HttpError(504, message, { cause });
export const loopDetected = (message: string) => new HttpError(508, message);

/** One line naming each invalid field: `messages: too small; temperature: expected number`. */
export function describeZodError(error: ZodError, what = 'request body'): string {
  // Nothing was sent: "invalid request body: is required" names no field to mend.
  if (error.issues.every((issue) => issue.path.length === 0 && issue.code === 'invalid_type' && issue.message === 'is required')) {
    return `missing ${what}: send a JSON object (content-type: application/json)`;
  }
  // One check failing two ways (a number past the safe range is neither whole nor in range) is said once.
  const all = [
    ...new Set(
      error.issues.map((issue) => {
        // Keys and messages may quote the caller's input (an unknown key, for one).
        const path = echo(issue.path.map(String).join('.'));
        return path ? `${path}: ${echo(issue.message)}` : echo(issue.message);
      }),
    ),
  ];
  const problems = all.slice(0, 5);
  const more = all.length > 5 ? ` (and ${all.length - 5} more)` : '';
  return `invalid ${what}: ${problems.join('; ')}${more}`;
}

/** A body over the route's limit, said with the limit: routes differ (accounts are small, result posts large). */
function tooLargeFor(request: FastifyRequest, error: unknown): HttpError | undefined {
  if ((error as Partial<FastifyError>).code !== 'FST_ERR_CTP_BODY_TOO_LARGE') return undefined;
  const limit = request.routeOptions.bodyLimit;
  if (limit === undefined) return undefined;
  const setting = limit === request.server.initialConfig.bodyLimit ? ' (MCPD_BODY_LIMIT_BYTES)' : '';
  return new HttpError(413, `request body is too large: this route takes at most ${limit} bytes${setting}`, { cause: error });
}

/** Maps every error to a status and a one-line `{"error"}` body; never a stack trace. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ZodError) return new HttpError(400, describeZodError(error), { cause: error });
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new HttpError(413, 'request body is too large', { cause: error });
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new HttpError(415, 'send the body as application/json', { cause: error });
  }
  if (fastifyError.code === 'FST_ERR_BAD_URL') {
    return new HttpError(400, 'the URL is not valid: a percent-encoded part of it is not UTF-8', { cause: error });
  }
  if (fastifyError.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new HttpError(414, 'a part of the URL path is too long', { cause: error });
  }
  if (error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new HttpError(400, 'the body is not valid JSON', { cause: error });
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, echo(fastifyError.message ?? 'bad request'), { cause: error });
  }
  if (isPoolExhausted(error)) return new HttpError(503, DATABASE_BUSY, { cause: error, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
  if (isConnectionFailure(error)) return new HttpError(503, DATABASE_UNREACHABLE, { cause: error, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
  return new HttpError(500, 'internal error; the server log has the details', { cause: error });
}

const DATABASE_UNREACHABLE = 'the database is unreachable; try again shortly';
const DATABASE_BUSY = 'the database is busy: no connection to it came free in time; try again shortly';
/** How soon a caller may try again while the database is away: a PostgreSQL restart or failover takes seconds. */
const DATABASE_RETRY_AFTER_SECONDS = 5;
/** The outage is logged at most this often, not once per request that meets it. */
const DATABASE_LINE_INTERVAL_MS = 10_000;
let databaseLineAt = Number.NEGATIVE_INFINITY;

/**
 * mcpd's own dependency is down: said to the operator once in a while, with what to check,
 * rather than a line per request or per publisher's beat that meets it. Answers whether `error`
 * was the database being away.
 */
export function noteDatabaseOutage(log: Pick<FastifyBaseLogger, 'error'>, error: unknown): boolean {
  if (!isConnectionFailure(error)) return false;
  if (performance.now() - databaseLineAt >= DATABASE_LINE_INTERVAL_MS) {
    databaseLineAt = performance.now();
    if (isPoolExhausted(error)) {
      log.error(
        { reason: describeDatabaseFailure(error) },
        'every connection to the database stayed busy past the connect timeout: requests that need one get 503 meanwhile; long statements (a usage view over a long audit) or a database that stopped answering hold them',
      );
    } else {
      log.error({ reason: describeDatabaseFailure(error) }, 'the database is unreachable: requests get 503 until it answers again; check that PostgreSQL runs and DATABASE_URL reaches it');
    }
  }
  return true;
}

/** Logs a failure of work no request waits for (a beat, a sweep), or the database's absence in its stead, once in a while. */
export function logFailure(log: Pick<FastifyBaseLogger, 'error'>, error: unknown, message: string): void {
  if (!noteDatabaseOutage(log, error)) log.error({ err: error }, message);
}

/** The answer a request's error gets: `toHttpError`, with the route's own body limit named. */
export function httpErrorFor(request: FastifyRequest, error: unknown): HttpError {
  return tooLargeFor(request, error) ?? toHttpError(error);
}

/** The one Fastify error handler. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const httpError = httpErrorFor(request, error);
  // 502/503/504 are the upstream's or publisher's state, 508 a caller's loop: none is mcpd failing.
  if (httpError.statusCode >= 500 && ![502, 503, 504, 508].includes(httpError.statusCode)) {
    request.log.error({ err: error, url: echo(request.url), method: request.method }, 'request failed');
  }
  if (httpError.statusCode === 503) noteDatabaseOutage(request.log, error);
  if (httpError.retryAfterSeconds !== undefined) {
    void reply.header('retry-after', String(Math.max(1, Math.ceil(httpError.retryAfterSeconds))));
  }
  // A caller refused at the door (no valid token, too many failures or requests) before its body
  // was read: the connection ends with the answer. Kept alive, Node would read the rest of the
  // body first, however slowly it came, and a client without a token could hold connections
  // open byte by byte. (A body too large is Fastify's to drain, so the client reads its 413.)
  if (!request.raw.complete && (httpError.statusCode === 401 || httpError.statusCode === 429)) void reply.header('connection', 'close');
  void reply.code(httpError.statusCode).send({ error: httpError.message });
}
