import { z } from 'zod';

/**
 * `~/.mcpctl/credentials` (mode 0600): written by `mcpctl login`, read by mcpctl and
 * mcplocal to reach mcpd.
 */
export const credentialsFileSchema = z.object({
  mcpdUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .refine((url) => !urlHoldsCredentials(url), 'must not hold a user name or password; mcpd takes the token alone'),
  token: z.string().min(1),
});
export type CredentialsFile = z.infer<typeof credentialsFileSchema>;

/**
 * Whether a URL carries a user name or password (`http://user:pass@host`). fetch refuses such a
 * URL and every message that names it would show them, so the CLI's mcpd URL and mcplocal's wake
 * URLs refuse them. A public LLM's URL in mcpd and a provider's URL in mcplocal may carry them:
 * they are masked wherever shown and sent as Basic authorization.
 */
export function urlHoldsCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/** Each run of escapes decoded; a `%` that starts none stays as written. */
export function decodeLeniently(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
}

/**
 * Why a model server's URL credentials cannot be used as given, or undefined. Its `user:pass@`
 * goes as Basic authorization, whose user name cannot hold a `:` (RFC 7617); an OpenAI-dialect or
 * Ollama key goes in the same Authorization header, so one server takes one of them (Anthropic's
 * key has a header of its own). For mcpd's public LLMs and mcplocal's providers alike.
 */
export function urlCredentialsProblem(url: string, type: string, keyed: boolean): 'user-colon' | 'key-and-url' | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.username === '' && parsed.password === '') return undefined;
  if (decodeLeniently(parsed.username).includes(':')) return 'user-colon';
  return keyed && type !== 'anthropic' ? 'key-and-url' : undefined;
}
