/**
 * A URL as messages and logs name it: scheme, host, port and path. Its query may hold a key
 * (`?api-key=…`) and its user part a password; the path says enough about which request failed.
 */
export function urlForMessage(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
