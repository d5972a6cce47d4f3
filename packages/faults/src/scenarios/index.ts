import type { FaultScenario } from '../fault-context.js';
import { deadSessionRelease } from './dead-session-release.js';
import { firstByteKeepalive } from './first-byte-keepalive.js';
import { halfOpenReregister } from './half-open-reregister.js';
import { largeAnswer } from './large-answer.js';
import { malformedChunk } from './malformed-chunk.js';
import { restartReconnect } from './restart-reconnect.js';
import { restartStatus } from './restart-status.js';
import { sigtermDrain } from './sigterm-drain.js';
import { silentSocket } from './silent-socket.js';
import { urlLeaks } from './url-leaks.js';

/** One scenario per item 5–13 of issue 10, in item order, then issue 13's silent provider socket (14). */
export const FAULT_SCENARIOS: readonly FaultScenario[] = [
  sigtermDrain,
  deadSessionRelease,
  halfOpenReregister,
  restartReconnect,
  restartStatus,
  firstByteKeepalive,
  malformedChunk,
  largeAnswer,
  urlLeaks,
  silentSocket,
];
