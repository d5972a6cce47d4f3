import { withDeadline, type Clock } from '@mcpctl/clock';
import { describeNetworkError } from '@mcpctl/upstream';
import { McpdUnreachableError } from '../errors.js';

/** One request to mcpd, and what the failures say. */
export interface McpdRequest {
  fetch: typeof fetch;
  url: string;
  init: RequestInit;
  /** mcpd's address as errors name it. */
  peer: string;
  /** The exchange as errors name it: `the registration`, `the status request`. */
  what: string;
}

/** One request; a network failure becomes an error naming the exchange and mcpd's address. */
export async function callMcpd(request: McpdRequest, signal: AbortSignal): Promise<Response> {
  try {
    return await request.fetch(request.url, { ...request.init, signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new McpdUnreachableError(`cannot reach mcpd at ${request.peer} for ${request.what}: ${describeNetworkError(error)}`, { cause: error });
  }
}

/**
 * One short exchange with mcpd, its answer read by `read`; the whole of it, body included, is
 * bounded by `timeoutMs` (a timer that fires on Node 20 too, see `deadlineSignal`), and a failure
 * the timer caused says so rather than the bare AbortError of the read it cut.
 */
export function boundedMcpdExchange<T>(
  request: McpdRequest,
  bounds: { clock: Clock; timeoutMs: number; signal: AbortSignal },
  read: (response: Response, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const reason = () => new McpdUnreachableError(`mcpd at ${request.peer} did not answer ${request.what} within ${bounds.timeoutMs / 1000} s`);
  return withDeadline(bounds.clock, bounds.timeoutMs, { parent: bounds.signal, reason }, async (bounded) => {
    try {
      return await read(await callMcpd(request, bounded), bounded);
    } catch (error) {
      if (bounded.aborted && !bounds.signal.aborted) throw bounded.reason;
      throw error;
    }
  });
}
