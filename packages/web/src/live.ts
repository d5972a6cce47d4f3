import type { LiveEventData, LiveEventName } from '@mcpctl/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { LiveStatus } from './live-stream.js';
import { joinLive } from './shared-live.js';

/** Why the page asks for a token again when mcpd stops taking the one it has. */
export const REFUSED = 'mcpd refused your token: it was revoked or has expired. Paste a new one.';

export type LiveState = { [Name in LiveEventName]?: LiveEventData[Name] } & { status: LiveStatus };

/** The live state mcpd pushes (`GET /api/v1/events`), shared among this browser's tabs; a refused token logs the page out, saying why. */
export function useLive(token: string, onRefused: (reason: string) => void): LiveState {
  const [state, setState] = useState<LiveState>({ status: { phase: 'connecting' } });
  useEffect(
    () =>
      joinLive(token, {
        event: (name, data) => setState((previous) => ({ ...previous, [name]: data })),
        status: (status) => setState((previous) => ({ ...previous, status })),
        refused: () => onRefused(REFUSED),
      }),
    [token],
  );
  return state;
}
