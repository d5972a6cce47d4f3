/**
 * Fields mcpd manages itself. `get -o yaml` prints them and `apply` drops them, so the
 * output of one can be fed to the other unchanged.
 */
export const SERVER_MANAGED_LLM_FIELDS = [
  'id',
  'kind',
  'ownerId',
  'owner',
  'status',
  'hasApiKey',
  'wakeRecipe',
  'lastWakeAt',
  'lastWakeMs',
  'providerSession',
  'lastHeartbeatAt',
  'inactiveSince',
  'createdAt',
  'updatedAt',
  'inFlight',
  'queued',
] as const;

/**
 * The fields of a virtual LLM its owner may change (sharing it with `visibility`); its publisher
 * sets the rest from its mcplocal config.json. mcpd refuses the others on `PUT`; `apply` sends
 * only these.
 */
export const VIRTUAL_LLM_EDITABLE_FIELDS: readonly string[] = ['visibility', 'description', 'tier'];
