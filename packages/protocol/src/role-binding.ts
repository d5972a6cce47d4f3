import { z } from 'zod';
import { resourceNameSchema } from './names.js';

/** What a permission lets its holder do. */
export const PERMISSION_VERBS = ['view', 'create', 'edit', 'delete', 'run'] as const;
export const permissionVerbSchema = z.enum(PERMISSION_VERBS);
export type PermissionVerb = z.infer<typeof permissionVerbSchema>;

/** What a permission applies to. */
export const PERMISSION_RESOURCES = ['llms', 'agents', 'users', 'rbac', 'audit'] as const;
export const permissionResourceSchema = z.enum(PERMISSION_RESOURCES);
export type PermissionResource = z.infer<typeof permissionResourceSchema>;

/** Resources that come in a `public` and a `virtual` kind, so a grant may be limited to one. */
export const KIND_SCOPED_RESOURCES = ['llms', 'agents'] as const;

/** The admin grant: every verb on every resource. */
export const ADMIN_PERMISSION = '*';

const verbs = PERMISSION_VERBS.join('|');
const kindScoped = KIND_SCOPED_RESOURCES.join('|');
const plain = PERMISSION_RESOURCES.filter((resource) => !(KIND_SCOPED_RESOURCES as readonly string[]).includes(resource)).join('|');

/**
 * `*`, `VERB:RESOURCE`, or `VERB:RESOURCE:KIND` for LLMs and agents (`create:llms:virtual`
 * lets a user publish from mcplocal without registering public LLMs).
 */
export const PERMISSION_PATTERN = new RegExp(`^(\\*|(${verbs}):(${plain})|(${verbs}):(${kindScoped})(:(public|virtual))?)$`);

export const permissionSchema = z
  .string()
  .regex(
    PERMISSION_PATTERN,
    `a permission is "*" or VERB:RESOURCE (verbs ${PERMISSION_VERBS.join(', ')}; resources ${PERMISSION_RESOURCES.join(', ')}), optionally :public or :virtual for llms and agents`,
  );

/** The built-in roles; their permissions are defined by mcpd. */
export const roleNameSchema = z.enum(['admin', 'member', 'viewer']);
export type RoleName = z.infer<typeof roleNameSchema>;

export const subjectKindSchema = z.enum(['user', 'group']);
export type SubjectKind = z.infer<typeof subjectKindSchema>;

/** What a binding grants and to whom; `name` comes from the URL on `PUT`. */
const roleBindingFields = {
  subjectKind: subjectKindSchema,
  subjectName: resourceNameSchema,
  /** A built-in role… */
  role: roleNameSchema.optional(),
  /** …or explicit permissions; exactly one of the two. */
  permissions: z.array(permissionSchema).min(1).max(64).optional(),
  /** Limits the grant to resources of these names (LLM, pool, agent, user or binding names). */
  resourceNames: z.array(resourceNameSchema).min(1).max(256).optional(),
};

function exactlyOneGrant(binding: { role?: unknown; permissions?: unknown }, context: z.RefinementCtx): void {
  if ((binding.role === undefined) === (binding.permissions === undefined)) {
    context.addIssue({ code: 'custom', path: ['role'], message: 'set either role or permissions, not both and not neither' });
  }
}

/** Body of `POST /api/v1/rolebindings`. */
export const roleBindingCreateSchema = z
  .strictObject({ name: resourceNameSchema, ...roleBindingFields })
  .superRefine(exactlyOneGrant);
export type RoleBindingCreate = z.infer<typeof roleBindingCreateSchema>;

/** Body of `PUT /api/v1/rolebindings/:name`: replaces the binding's grant and subject. */
export const roleBindingUpdateSchema = z.strictObject(roleBindingFields).superRefine(exactlyOneGrant);
export type RoleBindingUpdate = z.infer<typeof roleBindingUpdateSchema>;

export const roleBindingViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  subjectKind: subjectKindSchema,
  subjectName: z.string(),
  role: roleNameSchema.nullable(),
  permissions: z.array(z.string()),
  resourceNames: z.array(z.string()).nullable(),
  createdAt: z.string(),
});
export type RoleBindingView = z.infer<typeof roleBindingViewSchema>;

/** Fields `get -o yaml` prints and `apply` drops. */
export const SERVER_MANAGED_ROLE_BINDING_FIELDS = ['id', 'createdAt'] as const;

/** A `kind: RoleBinding` document of `mcpctl apply`; a view's empty `permissions` and null `resourceNames` are accepted. */
export const roleBindingDocumentSchema = z
  .object({
    kind: z.literal('RoleBinding'),
    name: resourceNameSchema,
    subjectKind: subjectKindSchema,
    subjectName: resourceNameSchema,
    role: roleNameSchema.nullable().optional(),
    permissions: z.array(permissionSchema).max(64).optional(),
    resourceNames: z.array(resourceNameSchema).max(256).nullable().optional(),
  })
  .strip();
export type RoleBindingDocument = z.infer<typeof roleBindingDocumentSchema>;
