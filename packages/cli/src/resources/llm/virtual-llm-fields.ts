/**
 * The fields of a virtual LLM its owner may change (sharing it with `visibility`); its publisher
 * sets the rest from its mcplocal config.json. This is mcpd's rule — it refuses the others on
 * `PUT` — and not part of the wire schemas, so it is written here.
 */
export const VIRTUAL_LLM_EDITABLE_FIELDS: readonly string[] = ['visibility', 'description', 'tier'];
