import type { ServerResponse } from 'node:http';
import { every, type Cancel, type Clock } from '@mcpctl/clock';
import { SERVED_BY_HEADER } from '@mcpctl/protocol';
import { SSE_HEADERS, writeHeadKept } from './sse-writer.js';

/** As often as mcpd's own `: waking` notices (`MCPD_WAKE_NOTICE_SECONDS`), so a caller hears the same either way. */
export const WAKE_COMMENT_INTERVAL_MS = 3_000;

/**
 * Tells a streaming caller whose request waits on a provider `: WORD NAME Ns` every `intervalMs`:
 * `waking` while its backend wakes, as mcpd tells its callers of a wake, and `waiting` while the
 * provider runs as many requests as its `maxConcurrent` allows. A proxy or client that cuts a
 * silent connection keeps it through a wait of minutes, and a person sees why nothing comes. The
 * head (200, an event stream, `x-mcpctl-served-by`) goes out with the first comment: a wait that
 * ends sooner leaves the answer as if there had been none, and a failure after it can only be an
 * error frame. A stream already open (a stand-in answering into mcpd's) just gets the comments.
 * Answers the cancel that stops them.
 */
export function waitComments(response: ServerResponse, word: 'waking' | 'waiting', name: string, clock: Clock, intervalMs: number): Cancel {
  const startedAt = clock.monotonic();
  return every(clock, intervalMs, () => {
    if (response.destroyed || response.writableEnded) return;
    if (!response.headersSent) {
      writeHeadKept(response, 200, { ...SSE_HEADERS, [SERVED_BY_HEADER]: name });
    }
    response.write(`: ${word} ${name} ${Math.round((clock.monotonic() - startedAt) / 1000)}s\n\n`);
  });
}
