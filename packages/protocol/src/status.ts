import { z } from 'zod';
import { roleNameSchema } from './role-binding.js';

/** `GET /api/v1/status`: who the token belongs to and what the server is. */
export const statusViewSchema = z.object({
  user: z.object({
    id: z.string(),
    name: z.string(),
    admin: z.boolean(),
    /** The built-in role the user holds directly (null: none; `admin` may come from a binding too). Absent from an older mcpd. */
    role: roleNameSchema.nullable().optional(),
    /**
     * What the caller may do: each grant of its role and its bindings, as a refusal names it
     * (`run:llms`, `view:llms on qwen, gpt`, `*` for an admin). Absent from an older mcpd.
     */
    grants: z.array(z.string()).optional(),
  }),
  server: z.object({
    version: z.string(),
    database: z.enum(['embedded', 'postgres']),
    uptimeSeconds: z.number(),
    /** Among replicas, to an admin: the id of the replica that answered (host name and a random part). */
    replica: z.string().optional(),
    /** Among replicas, to an admin: the ids of every replica alive now, this one included. */
    replicas: z.array(z.string()).optional(),
  }),
});
export type StatusView = z.infer<typeof statusViewSchema>;

/**
 * `GET /api/v1/status` as mcplocal reads it, to learn whose a token is: the user's id and name,
 * unknown fields ignored; what the server is does not matter to it.
 */
export const statusUserReadSchema = z.looseObject({ user: statusViewSchema.shape.user.pick({ id: true, name: true }) });
/** A user as mcpd names the owner of a token. */
export type TokenOwner = z.infer<typeof statusUserReadSchema>['user'];

export const healthViewSchema = z.object({ status: z.enum(['ok', 'unavailable']), reason: z.string().optional() });
export type HealthView = z.infer<typeof healthViewSchema>;
