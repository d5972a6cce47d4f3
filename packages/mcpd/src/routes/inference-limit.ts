import { limitPerUser } from '../plugins/limit-per-user.js';
import type { Services } from '../services/services.js';

/** Route options holding one of the caller's inference slots for as long as the request lasts. */
export function inferenceLimit(limits: Services['limits']) {
  return { onRequest: limitPerUser(limits.inference, 'inference requests', 'wait for some to finish') };
}
