/**
 * Kinds `get -o yaml|json` prints that `apply` does not take, with why: the comment on their YAML
 * documents, and `apply`'s refusal of one.
 */
export const READ_ONLY_KINDS = {
  Token: 'tokens are made with `mcpctl create token`, not with apply',
  Pool: 'pools are read-only: members join with poolName',
  Thread: 'threads are written by mcpctl chat: apply does not read them',
  ProviderSession: 'sessions are made by mcplocal when it registers, not with apply',
  AuditRecord: 'audit records are written by mcpd: apply does not read them',
  Usage: 'usage is counted by mcpd from the audit: apply does not read it',
} as const;

export type ReadOnlyKind = keyof typeof READ_ONLY_KINDS;

export function isReadOnlyKind(kind: string | undefined): kind is ReadOnlyKind {
  return kind !== undefined && Object.hasOwn(READ_ONLY_KINDS, kind);
}
