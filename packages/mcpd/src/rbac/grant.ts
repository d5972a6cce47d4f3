import {
  ADMIN_PERMISSION,
  PERMISSION_PATTERN,
  type PermissionResource,
  type PermissionVerb,
  type RoleName,
} from '@mcpctl/protocol';
import { BUILT_IN_ROLES } from './built-in-roles.js';

/** One parsed permission, possibly limited to a kind of row and to named resources. */
export interface Grant {
  verb: PermissionVerb | '*';
  resource: PermissionResource | '*';
  /** Only rows of this kind (LLMs and agents). */
  kind: 'public' | 'virtual' | undefined;
  /** Only resources of these names; undefined for every name. */
  names: ReadonlySet<string> | undefined;
}

/** What a binding stores: a role or explicit permissions, optionally limited to names. */
export interface GrantSource {
  role: RoleName | null;
  permissions: readonly string[];
  resourceNames: readonly string[] | null;
}

/** Parses `*`, `VERB:RESOURCE` or `VERB:RESOURCE:KIND`; throws on anything else (stored rows were validated on the way in). */
export function parsePermission(permission: string, names?: readonly string[] | null): Grant {
  if (!PERMISSION_PATTERN.test(permission)) throw new Error(`not a permission: ${permission}`);
  const scope = names && names.length > 0 ? new Set(names) : undefined;
  if (permission === ADMIN_PERMISSION) return { verb: '*', resource: '*', kind: undefined, names: scope };
  const [verb, resource, kind] = permission.split(':') as [PermissionVerb, PermissionResource, 'public' | 'virtual' | undefined];
  return { verb, resource, kind, names: scope };
}

/** The grants of a binding (or of a user's own role, with no names). */
export function grantsOf(source: GrantSource): Grant[] {
  const permissions = source.role ? BUILT_IN_ROLES[source.role] : source.permissions;
  return permissions.map((permission) => parsePermission(permission, source.resourceNames));
}

/** `create:llms:virtual on qwen, gpt` — how a grant is named in a refusal. */
export function describeGrant(grant: Grant): string {
  const permission = grant.verb === '*' ? ADMIN_PERMISSION : [grant.verb, grant.resource, grant.kind].filter(Boolean).join(':');
  return grant.names ? `${permission} on ${[...grant.names].join(', ')}` : permission;
}
