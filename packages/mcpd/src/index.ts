export { buildApp, type AppOptions } from './composition/app.js';
export { startServer, type RunningServer, type StartOptions } from './composition/server.js';
export { loadConfig, ConfigError, type McpdConfig } from './config.js';
export { createLogger } from './logger.js';
export { AuditRepository } from './repositories/audit-repository.js';
export { createServices, type RunningServices, type ServiceOptions } from './composition/create-services.js';
export type { Clock } from '@mcpctl/clock';
export { systemClock } from '@mcpctl/clock';
