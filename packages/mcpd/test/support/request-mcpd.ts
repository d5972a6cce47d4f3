/** A request to a spawned mcpd: JSON bodies are posted unless a method is given. */
export type McpdRequest = RequestInit & {
  json?: unknown;
  /** The bearer token; the admin's when absent, none at all when null. */
  token?: string | null;
};

/** The one way the abuse suites talk to mcpd over HTTP. */
export function requestMcpd(mcpd: { url: string; adminToken: string }, path: string, init: McpdRequest = {}): Promise<Response> {
  const { json, token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token ?? mcpd.adminToken}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${mcpd.url}${path}`, {
    ...rest,
    headers,
    ...(json !== undefined ? { body: JSON.stringify(json), method: rest.method ?? 'POST' } : {}),
  });
}
