/**
 * Where mcpd listens unless its command line says otherwise; kept apart from config.ts (and its
 * schemas) so the container's health check, which asks this address, loads nothing else.
 */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 3100;
