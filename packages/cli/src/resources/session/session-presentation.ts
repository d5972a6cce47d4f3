import { transportName, type ProviderSessionView } from '@mcpctl/protocol';
import { relativeAge } from '../../format/relative-age.js';
import type { ResourcePresentation } from '../resource-presentation.js';
import { READ_ONLY_KINDS } from '../../documents/read-only-kinds.js';

/**
 * How publishers' sessions look in `get`: by the reference `describe llm` shows (never the secret
 * id), with how long ago things happened as of `now`; `-o wide` adds the times themselves.
 * `last-seen` is the session's last sign of life: a register, a heartbeat or its stream opening.
 */
export function sessionPresentation(now: Date): ResourcePresentation<ProviderSessionView> {
  const age = (iso: string | null) => (iso === null ? null : relativeAge(new Date(iso), now));
  return {
    kind: 'ProviderSession',
    plural: 'publisher sessions',
    columns: [
      { header: 'session', value: (session) => session.ref },
      { header: 'user', value: (session) => session.owner },
      { header: 'connected', value: (session) => (session.connected ? 'yes' : 'no') },
      { header: 'transport', value: (session) => transportName(session.transport) },
      { header: 'since', value: (session) => age(session.connectedAt) },
      { header: 'last-seen', value: (session) => age(session.lastHeartbeatAt) },
      { header: 'llms', value: (session) => (session.llms.length === 0 ? null : session.llms.join(',')) },
      { header: 'connected-at', value: (session) => session.connectedAt, wideOnly: true },
      { header: 'replica', value: (session) => session.replica, wideOnly: true, whenTold: true },
      { header: 'last-seen-at', value: (session) => session.lastHeartbeatAt, wideOnly: true },
      { header: 'created', value: (session) => session.createdAt, wideOnly: true },
    ],
    toYamlDocument: (session) => ({
      value: { kind: 'ProviderSession', ...session },
      comment: READ_ONLY_KINDS.ProviderSession,
    }),
  };
}
