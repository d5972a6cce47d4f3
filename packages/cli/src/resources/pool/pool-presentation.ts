import type { PoolView } from '@mcpctl/protocol';
import type { ResourcePresentation } from '../resource-presentation.js';
import { READ_ONLY_KINDS } from '../../documents/read-only-kinds.js';

/** Pools in `get`: `NAME MEMBERS ACTIVE HIBERNATING INACTIVE IN-FLIGHT QUEUED`. Read-only, so YAML is the view. */
export const poolPresentation: ResourcePresentation<PoolView> = {
  kind: 'Pool',
  plural: 'pools',
  columns: [
    { header: 'name', value: (pool) => pool.name },
    { header: 'members', value: (pool) => pool.members.length },
    { header: 'active', value: (pool) => pool.active },
    { header: 'hibernating', value: (pool) => pool.hibernating },
    { header: 'inactive', value: (pool) => pool.inactive },
    { header: 'in-flight', value: (pool) => pool.inFlight },
    { header: 'queued', value: (pool) => pool.queued },
    { header: 'oldest-wait', value: (pool) => (pool.queued > 0 ? `${(pool.oldestWaitMs / 1000).toFixed(1)}s` : null), wideOnly: true },
    { header: 'member-names', value: (pool) => pool.members.join(','), wideOnly: true },
  ],
  toYamlDocument: (pool) => ({ value: { kind: 'Pool', ...pool }, comment: READ_ONLY_KINDS.Pool }),
};
