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
 * Whether a URL carries a user name or password (`http://user:pass@host`). Neither HTTP client
 * here sends one (fetch refuses the URL, undici's dispatch drops them), and every message that
 * names the URL would show it: such URLs are refused where they are configured.
 */
export function urlHoldsCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}
