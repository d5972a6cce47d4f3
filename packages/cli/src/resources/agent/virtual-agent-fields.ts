/**
 * The fields of a virtual agent its owner may change; its publisher sets the rest from its
 * mcplocal config.json. This is mcpd's rule — it refuses the others on `PUT` — and not part of
 * the wire schemas, so it is written here.
 */
export const VIRTUAL_AGENT_EDITABLE_FIELDS: readonly string[] = ['visibility', 'description'];
