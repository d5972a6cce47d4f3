/** The Messages API version both mcpd and mcplocal speak. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** The headers every Anthropic request carries: the API version, and the key when there is one. */
export function anthropicHeaders(apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
  if (apiKey) headers['x-api-key'] = apiKey;
  return headers;
}
