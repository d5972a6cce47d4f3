import { z } from 'zod';

/** `GET /api/v1/status`: who the token belongs to and what the server is. */
export const statusViewSchema = z.object({
  user: z.object({ id: z.string(), name: z.string(), admin: z.boolean() }),
  server: z.object({ version: z.string(), database: z.enum(['embedded', 'postgres']), uptimeSeconds: z.number() }),
});
export type StatusView = z.infer<typeof statusViewSchema>;

export const healthViewSchema = z.object({ status: z.enum(['ok', 'unavailable']), reason: z.string().optional() });
export type HealthView = z.infer<typeof healthViewSchema>;
