export * from './schema.js';
export * as schema from './schema.js';
export { openDatabase, openEmbeddedClient, redactUrl, MIGRATIONS_FOLDER } from './open-database.js';
export type { Database, DatabaseDriver, DatabaseHandle, OpenDatabaseOptions } from './open-database.js';
export { withTransaction, type Transaction } from './with-transaction.js';
export { DatabaseUnreachableError, describeDatabaseFailure, isConnectionFailure, isPoolExhausted } from './connection-failure.js';
export type { CopyRows, CopyValue } from './copy-rows.js';
