import { urlRoot } from './url-root.js';

const endpoints = new Map<string, string>();
/** Base URLs are a handful per LLM; more than this and the memo starts again. */
const MAX_ENDPOINTS = 1000;

/**
 * Where a dialect's endpoint lives under an LLM's base URL. A base URL without a path gets
 * `/v1` (so `http://host:11434` and `http://host:11434/v1` both work); a base URL with a
 * path is taken as the API root, as the vendors' SDKs take it. mcpd and mcplocal both use it.
 * A user name and password in the base URL stay, for the HTTP call to send as Basic authorization.
 * Worked out once per distinct URL: every inference asks it, and parsing a URL was about a
 * twentieth of mcplocal's work per relayed answer.
 */
export function upstreamEndpoint(baseUrl: string, endpoint: string): string {
  const key = `${endpoint} ${baseUrl}`;
  let found = endpoints.get(key);
  if (found === undefined) {
    found = resolveEndpoint(baseUrl, endpoint);
    if (endpoints.size >= MAX_ENDPOINTS) endpoints.clear();
    endpoints.set(key, found);
  }
  return found;
}

function resolveEndpoint(baseUrl: string, endpoint: string): string {
  const url = new URL(baseUrl);
  let path = url.pathname.replace(/\/+$/, '');
  if (path === '') path = '/v1';
  return `${urlRoot(url)}${path}${endpoint}${url.search}`;
}
