import { systemClock, withDeadline, type Clock } from '@mcpctl/clock';
import { statusUserReadSchema, type TokenOwner } from '@mcpctl/protocol';
import { describeNetworkError } from '@mcpctl/upstream';
import { McplocalError } from '../errors.js';
import { safeJson } from '../safe-json.js';
import { mcpdRefusal } from './mcpd-refusal.js';

const STATUS_PATH = '/api/v1/status';
/** As long as any short exchange with mcpd may take. */
const DEFAULT_TIMEOUT_MS = 30_000;

export interface AskTokenOwnerOptions {
  /** mcpd's base URL. */
  mcpdUrl: string;
  token: string;
  signal: AbortSignal;
  /** Times the timeout. Default: the system clock. */
  clock?: Clock | undefined;
  /** Default 30 000. */
  timeoutMs?: number | undefined;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch | undefined;
}

/**
 * Whose `token` is, as mcpd answers `GET /api/v1/status` (what `mcpctl login` asks too), or
 * `undefined` when its answer names no user. Rejects with mcpd's refusal as an `McpdHttpError`
 * (401: mcpd does not take the token; 5xx: it cannot answer now), and with an `McplocalError` when
 * mcpd cannot be reached or does not answer in time.
 */
export function askTokenOwner(options: AskTokenOwnerOptions): Promise<TokenOwner | undefined> {
  const baseUrl = options.mcpdUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const reason = () => new McplocalError(`mcpd at ${baseUrl} did not answer the status request within ${timeoutMs / 1000} s`);
  return withDeadline(options.clock ?? systemClock, timeoutMs, { parent: options.signal, reason }, async (signal) => {
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${STATUS_PATH}`, { headers: { authorization: `Bearer ${options.token}` }, signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new McplocalError(`cannot reach mcpd at ${baseUrl} for the status request: ${describeNetworkError(error)}`, { cause: error });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new McplocalError(`the status answer of mcpd at ${baseUrl} broke off: ${describeNetworkError(error)}`, { cause: error });
    }
    if (!response.ok) throw mcpdRefusal(response.status, text, 'the status request', response.statusText, response.headers.get('retry-after'));
    const parsed = statusUserReadSchema.safeParse(safeJson(text));
    return parsed.success ? parsed.data.user : undefined;
  });
}
