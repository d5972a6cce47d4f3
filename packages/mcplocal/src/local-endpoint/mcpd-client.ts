import { modelListReadSchema, WAIT_SECONDS_HEADER, type Model } from '@mcpctl/protocol';
import { upstreamErrorMessage } from '@mcpctl/dialects';
import { describeNetworkError } from '@mcpctl/upstream';
import { currentToken } from '../bearer-token.js';
import { LocalEndpointError } from '../errors.js';
import type { LocalEndpointMcpd } from './local-endpoint-options.js';

/** Request headers of the caller that mean something to mcpd; its `Authorization` is never one: mcpd gets the user's token. */
const FORWARDED_REQUEST_HEADERS = [WAIT_SECONDS_HEADER];

/** mcpd's inference and model list, called with the user's token from `credentials`. */
export class McpdClient {
  private readonly baseUrl: string;

  constructor(
    private readonly mcpd: LocalEndpointMcpd,
    private readonly fetchImpl: typeof fetch,
  ) {
    this.baseUrl = mcpd.url.replace(/\/+$/, '');
  }

  /**
   * Sends a chat request, its body as the caller wrote it, and resolves once mcpd answered 2xx
   * with its headers; the body is still to be read. Anything else rejects with a
   * LocalEndpointError carrying mcpd's status and words (502 when mcpd cannot be reached).
   */
  async chat(body: string, callerHeaders: Readonly<Record<string, string | string[] | undefined>>, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { ...this.authorization(), 'content-type': 'application/json' };
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = callerHeaders[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return this.send('/v1/chat/completions', { method: 'POST', headers, body, signal });
  }

  /** The models mcpd offers the user: LLMs, pools and agents it may see. */
  async models(signal: AbortSignal): Promise<Model[]> {
    const response = await this.send('/v1/models', { method: 'GET', headers: this.authorization(), signal });
    const parsed = modelListReadSchema.safeParse(await response.json());
    if (!parsed.success) throw new LocalEndpointError(502, `mcpd answered an unexpected model list: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data.data.map((model) => ({ id: model.id, object: 'model', created: model.created ?? 0, owned_by: model.owned_by ?? 'mcpd' }));
  }

  private authorization(): Record<string, string> {
    return { authorization: `Bearer ${currentToken(this.mcpd.token)}` };
  }

  private async send(path: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, init);
    } catch (error) {
      if (init.signal.aborted) throw init.signal.reason;
      throw new LocalEndpointError(502, `cannot reach mcpd at ${this.baseUrl}: ${describeNetworkError(error)}`, { cause: error });
    }
    if (response.ok) return response;
    let text = '';
    try {
      text = await response.text();
    } catch {
      if (init.signal.aborted) throw init.signal.reason;
    }
    // mcpd's own words, as the caller would have read them talking to mcpd directly.
    const said = upstreamErrorMessage(text) ?? `mcpd answered HTTP ${response.status}`;
    // A 401 here is about this workstation's token, not the caller's: say which, and the way out.
    const message =
      response.status === 401
        ? `mcpd refused the token of this workstation's mcpctl credentials (${said}): it is unknown there, revoked or expired; run 'mcpctl login --url ${this.baseUrl} --token -' here, and mcplocal takes the new token without a restart`
        : said;
    throw new LocalEndpointError(response.status, message, { retryAfter: response.headers.get('retry-after') ?? undefined });
  }
}
