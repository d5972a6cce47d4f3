import { z } from 'zod';

/** Every error answered by mcpd: one human-readable line. */
export const errorBodySchema = z.object({ error: z.string() });
export type ErrorBody = z.infer<typeof errorBodySchema>;
