import { z } from 'zod';

/**
 * `~/.mcpctl/credentials` (mode 0600): written by `mcpctl login`, read by mcpctl and
 * mcplocal to reach mcpd.
 */
export const credentialsFileSchema = z.object({
  mcpdUrl: z
    .url({ protocol: /^https?$/, error: 'mcpdUrl must be an http:// or https:// URL' })
    .refine((url) => !urlHoldsCredentials(url), 'mcpdUrl must not hold a user name or password; mcpd takes the token alone'),
  token: z.string().min(1, 'token must not be empty'),
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
