import { urlRoot } from '../url-root.js';
/** Ollama's native routes sit at the server root (`/api/chat`), or under the path of a proxy in front of it. */
export function ollamaEndpoint(baseUrl: string, endpoint: string): string {
  const url = new URL(baseUrl);
  return `${urlRoot(url)}${url.pathname.replace(/\/+$/, '')}${endpoint}${url.search}`;
}
