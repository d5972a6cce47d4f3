export { TestKitError } from './errors.js';
export { FakeUpstream, startFakeUpstream } from './fake-upstream.js';
export type {
  FakeReasoning,
  FakeUpstreamFailure,
  FakeUpstreamListenOptions,
  FakeUpstreamMode,
  FakeUpstreamOptions,
} from './fake-upstream-options.js';
export type { RecordedRequest } from './upstream-stats.js';
export { DEFAULT_TOKENS } from './upstream-behavior.js';
export { FAKE_UPSTREAM_USAGE, parseFakeUpstreamArguments, type FakeUpstreamCommandLine } from './fake-upstream-arguments.js';
export { FAKE_UPSTREAM_MAIN, spawnFakeUpstream } from './spawn-fake-upstream.js';
export { freePort } from './free-port.js';
export { managedFakeUpstreamEntry } from './managed-fake-upstream.js';
export type { SpawnedFakeUpstream } from './spawn-fake-upstream.js';
export { TEST_DATABASE_URL_VARIABLE, testDatabaseVariants } from './test-database.js';
export type { TestDatabaseName, TestDatabaseVariant } from './test-database.js';
export { openEmbeddedTestDatabase } from './embedded-test-database.js';
export { seedEmbeddedDataDir } from './embedded-data-dir.js';
export { createPostgresTestDatabase, openPostgresTestDatabase } from './postgres-test-database.js';
export { makeTempDir } from './temp-home.js';
export type { TempDir } from './temp-home.js';
export { parseLogLine, spawnService } from './spawn-service.js';
export type { SpawnServiceOptions, SpawnedService } from './spawn-service.js';
export { MCPD_MAIN, spawnMcpd } from './spawn-mcpd.js';
export type { SpawnMcpdOptions, SpawnedMcpd } from './spawn-mcpd.js';
export { MCPLOCAL_MAIN, spawnMcplocal } from './spawn-mcplocal.js';
export type { SpawnMcplocalOptions, SpawnedMcplocal } from './spawn-mcplocal.js';
export { writeMcplocalHome } from './mcplocal-home.js';
export { readChatStream } from './read-chat-stream.js';
export type { ReadChatStream } from './read-chat-stream.js';
export { SCRIPTED_CHUNKS, SCRIPTED_USAGE, sseBody, startScriptedStreamUpstream } from './scripted-stream-upstream.js';
export type { ScriptedStreamOptions, ScriptedStreamUpstream } from './scripted-stream-upstream.js';
