/**
 * Where an endpoint lives under a provider's base URL. A base URL without a path gets `/v1`
 * (so `http://host:8000` and `http://host:8000/v1` both work); a base URL with a path is the
 * API root, as the vendors' SDKs take it. mcpd applies the same rule to public LLMs.
 */
export function upstreamEndpoint(baseUrl: string, endpoint: string): string {
  const url = new URL(baseUrl);
  let path = url.pathname.replace(/\/+$/, '');
  if (path === '') path = '/v1';
  return `${url.origin}${path}${endpoint}${url.search}`;
}
