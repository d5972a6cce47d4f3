import type { ThreadView } from '@mcpctl/protocol';
import { relativeAge } from '../../format/relative-age.js';
import type { ResourcePresentation } from '../resource-presentation.js';
import { READ_ONLY_KINDS } from '../../documents/read-only-kinds.js';

/**
 * Threads in `get`: `ID AGENT TITLE MESSAGES UPDATED`, the update time as an age measured
 * from `now`. Threads are written by `chat`, so their YAML is the view, not a document to apply.
 */
export function threadPresentation(now: Date): ResourcePresentation<ThreadView> {
  return {
    kind: 'Thread',
    plural: 'threads',
    columns: [
      { header: 'id', value: (thread) => thread.id },
      { header: 'agent', value: (thread) => thread.agent },
      { header: 'title', value: (thread) => thread.title },
      { header: 'messages', value: (thread) => thread.messageCount },
      { header: 'updated', value: (thread) => relativeAge(new Date(thread.updatedAt), now) },
      { header: 'created', value: (thread) => thread.createdAt, wideOnly: true },
    ],
    toYamlDocument: (thread) => ({ value: { kind: 'Thread', ...thread }, comment: READ_ONLY_KINDS.Thread }),
  };
}
