export { buildProviderRegistry } from './build-provider-registry.js';
export { ProviderRegistry, type FailoverEntry } from './provider-registry.js';
export {
  FailoverRouter,
  type FailoverAccess,
  type FailoverLog,
  type FailoverResult,
  type FailoverRouterOptions,
  type FailoverRunOptions,
} from './failover-router.js';
