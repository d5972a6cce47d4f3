import { decodeLeniently } from '@mcpctl/protocol';

/**
 * The password a provider's URL holds, as written and percent-decoded: what its server may quote
 * back in an error, masked like its key before a failure leaves the workstation or reaches the
 * log. The user name is not a secret, and masking a short one would mangle ordinary words.
 */
export function urlPassword(url: string | undefined): string[] {
  if (url === undefined) return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  if (parsed.password === '') return [];
  return [...new Set([parsed.password, decodeLeniently(parsed.password)])];
}
