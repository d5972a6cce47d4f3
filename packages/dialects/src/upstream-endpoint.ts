/**
 * Where a dialect's endpoint lives under an LLM's base URL. A base URL without a path gets
 * `/v1` (so `http://host:11434` and `http://host:11434/v1` both work); a base URL with a
 * path is taken as the API root, as the vendors' SDKs take it. mcpd and mcplocal both use it.
 */
export function upstreamEndpoint(baseUrl: string, endpoint: string): string {
  const url = new URL(baseUrl);
  let path = url.pathname.replace(/\/+$/, '');
  if (path === '') path = '/v1';
  return `${url.origin}${path}${endpoint}${url.search}`;
}
