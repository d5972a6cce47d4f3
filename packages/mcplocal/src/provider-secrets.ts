import { decodeLeniently } from '@mcpctl/protocol';
import { basicToken } from '@mcpctl/upstream';

/**
 * Query parameters whose values are credentials (`?api_key=…`, a signed URL's `sig`). Looser
 * than mcpd's list (any name holding one of these words), since here it only masks what a
 * server quotes back; mcpd's list is part of how it stores URLs and stays as it is.
 */
const SECRET_PARAMETER = /key|token|secret|pass|pwd|auth|sig|credential|code/i;
/** Shorter secrets would mask letters of ordinary words; from three characters, as mcpd masks. */
const MIN_SECRET_LENGTH = 3;

/**
 * What a provider's server may quote back of what mcplocal sent it: the key, the URL's password
 * (as written and decoded) and the Basic token made of it, and the values of secret query
 * parameters. Masked before a failure reaches a caller, mcpd or the log. A user name is no
 * secret, and masking a short one would turn the provider's own name into `***`.
 */
export function providerSecrets(url: string | undefined, apiKey: string | undefined): string[] {
  const found = new Set<string>();
  if (apiKey !== undefined) found.add(apiKey);
  let parsed: URL | undefined;
  try {
    parsed = url === undefined ? undefined : new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined) {
    if (parsed.password !== '') {
      found.add(parsed.password);
      found.add(decodeLeniently(parsed.password));
      const sent = basicToken(parsed);
      if (sent !== undefined) found.add(sent);
    }
    for (const [name, value] of parsed.searchParams) if (SECRET_PARAMETER.test(name)) found.add(value);
  }
  return [...found].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
}

/** `text` with each of `secrets` replaced by `***`, the longest first (a secret may hold another). */
export function maskSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let masked = text;
  const ordered = secrets.filter((secret): secret is string => secret !== undefined && secret.length >= MIN_SECRET_LENGTH).sort((left, right) => right.length - left.length);
  for (const secret of ordered) masked = masked.replaceAll(secret, '***');
  return masked;
}
