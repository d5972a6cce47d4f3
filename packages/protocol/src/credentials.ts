import { z } from 'zod';

/**
 * `~/.mcpctl/credentials` (mode 0600): written by `mcpctl login`, read by mcpctl and
 * mcplocal to reach mcpd.
 */
export const credentialsFileSchema = z.object({
  mcpdUrl: z.url({ protocol: /^https?$/, error: 'mcpdUrl must be an http:// or https:// URL' }),
  token: z.string().min(1, 'token must not be empty'),
});
export type CredentialsFile = z.infer<typeof credentialsFileSchema>;
