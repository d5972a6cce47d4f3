import { z } from 'zod';
import { resourceNameSchema } from './names.js';
import { roleNameSchema } from './role-binding.js';

const groupsSchema = z.array(resourceNameSchema).max(64);

/** What mcpd answers for a user. `role` is the built-in role the user holds directly (null: none). */
export const userViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  groups: z.array(z.string()),
  role: roleNameSchema.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type UserView = z.infer<typeof userViewSchema>;

/** Body of `POST /api/v1/users`. `role` defaults to `member`; `null` creates a user with no role. */
export const userCreateSchema = z.strictObject({
  name: resourceNameSchema,
  groups: groupsSchema.optional(),
  role: roleNameSchema.nullable().optional(),
});
export type UserCreate = z.infer<typeof userCreateSchema>;

/** Body of `PUT /api/v1/users/:name`: absent fields are kept. */
export const userUpdateSchema = z.strictObject({
  groups: groupsSchema.optional(),
  role: roleNameSchema.nullable().optional(),
});
export type UserUpdate = z.infer<typeof userUpdateSchema>;

/** Fields `get -o yaml` prints and `apply` drops. */
export const SERVER_MANAGED_USER_FIELDS = ['id', 'createdAt', 'updatedAt'] as const;

