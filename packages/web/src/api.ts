/** The token lives in this tab's sessionStorage only, and goes in a header, never in a URL. */
const TOKEN_KEY = 'mcpctl.token';

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An answer of mcpd that is not 2xx: its one-line `error`, and the status. */
export class ApiError extends Error {
  constructor(
    /** 0 when mcpd was not reached at all. */
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const refusedListeners = new Set<{ token: string; listener: () => void }>();

/**
 * Hears every 401 mcpd answers a call made with `token` (a view's, the playground's), so a token
 * revoked while the page is open logs it out at the next call, whichever makes it, not only when
 * the live stream notices. Only that token's refusals: a slow call of a token already replaced
 * says nothing of the new one. Answers the function that stops listening.
 */
export function onTokenRefused(token: string, listener: () => void): () => void {
  const entry = { token, listener };
  refusedListeners.add(entry);
  return () => refusedListeners.delete(entry);
}

/** mcpd answered 401 to a call made with `token`. */
export function tokenRefused(token: string): void {
  for (const entry of [...refusedListeners]) if (entry.token === token) entry.listener();
}

export async function api<T>(token: string, path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set('authorization', `Bearer ${token}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  const response = await reach(path, { ...rest, headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
  if (!response.ok) {
    if (response.status === 401) tokenRefused(token);
    throw await failureOf(response);
  }
  return (await response.json()) as T;
}

/** What a call that got no answer at all says: the browser's own words ("Failed to fetch") tell a newcomer nothing. */
export const NO_ANSWER = 'mcpd did not answer: check that it is running and that this browser can reach it';

/** `fetch`, its network failure said as {@link NO_ANSWER} (status 0); an aborted call stays an abort. */
export async function reach(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch (failure) {
    if (init.signal?.aborted) throw failure;
    throw new ApiError(0, NO_ANSWER, { cause: failure });
  }
}

/**
 * The failure a non-2xx answer stands for: mcpd's own one-line `error`, with its `Retry-After`.
 * An answer without one did not come from mcpd: a proxy in front of it answering 502, 503 or 504
 * means mcpd is down or restarting, which is what the user can act on.
 */
export async function failureOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as { error?: unknown };
  const own = typeof body.error === 'string' ? body.error : undefined;
  const gateway = [502, 503, 504].includes(response.status);
  const message = own ?? (gateway ? `mcpd did not answer its proxy (${response.status}): check that mcpd is running` : `mcpd answered ${response.status}`);
  const wait = retryAfterOf(response.headers);
  return new ApiError(response.status, wait === undefined ? message : `${message} (try again in ${wait})`);
}

/** mcpd's `Retry-After` (whole seconds, as it sends it) said for a person: `45 s`, `3 min`. */
function retryAfterOf(headers: Headers): string | undefined {
  const seconds = Number(headers.get('retry-after') ?? Number.NaN);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return seconds < 90 ? `${Math.ceil(seconds)} s` : `${Math.ceil(seconds / 60)} min`;
}

/**
 * A token as pasted, made what mcpd reads: a copied `Authorization: Bearer TOKEN` header or
 * `Bearer TOKEN` loses its prefix, and spaces or line breaks picked up on the way go.
 */
export function cleanToken(pasted: string): string {
  return pasted.trim().replace(/^(authorization:\s*)?bearer\s+/i, '').replace(/\s+/g, '');
}

/** What to show of a failure. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
