import type { WakeHandler, WakeRequest } from '../registrar/wake-handler.js';

/**
 * Wakes a managed entry by starting its server (once, however many wakes arrive together) and
 * hands every other wake to `recipes`.
 */
export function withManagedServers(recipes: WakeHandler): WakeHandler {
  return {
    wake: (request: WakeRequest) => (request.entry.managed ? request.entry.managed.start('wake', request.signal) : recipes.wake(request)),
  };
}
