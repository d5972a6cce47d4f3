import { systemClock, type Clock } from '@mcpctl/clock';
import { statusUserReadSchema, type TokenOwner } from '@mcpctl/protocol';
import { describeNetworkError } from '@mcpctl/upstream';
import { McplocalError } from '../errors.js';
import { safeJson } from '../safe-json.js';
import { boundedMcpdExchange } from './mcpd-exchange.js';
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
  const peer = options.mcpdUrl.replace(/\/+$/, '');
  const request = {
    fetch: options.fetch ?? globalThis.fetch,
    url: `${peer}${STATUS_PATH}`,
    init: { headers: { authorization: `Bearer ${options.token}` } },
    peer,
    what: 'the status request',
  };
  const bounds = { clock: options.clock ?? systemClock, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: options.signal };
  return boundedMcpdExchange(request, bounds, async (response, signal) => {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw error;
      throw new McplocalError(`the status answer of mcpd at ${peer} broke off: ${describeNetworkError(error)}`, { cause: error });
    }
    if (!response.ok) throw mcpdRefusal(response.status, text, 'the status request', response.statusText, response.headers.get('retry-after'));
    const parsed = statusUserReadSchema.safeParse(safeJson(text));
    return parsed.success ? parsed.data.user : undefined;
  });
}
