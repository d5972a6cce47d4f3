export { LocalEndpoint, startLocalEndpoint, DEFAULT_LOCAL_ENDPOINT_HOST, DEFAULT_LOCAL_ENDPOINT_PORT } from './local-endpoint.js';
export type { LocalEndpointLog, LocalEndpointMcpd, LocalEndpointOptions } from './local-endpoint-options.js';
