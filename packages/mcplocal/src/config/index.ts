export { mcplocalHome, configFile, credentialsFile } from './mcplocal-home.js';
export { LiveCredentials, type CredentialsLog, type LiveCredentialsOptions } from './live-credentials.js';
export { PublisherCredentials, type PublisherCredentialsOptions } from './publisher-credentials.js';
export { loadMcplocalConfig, type LoadedMcplocalConfig, type LoadMcplocalConfigOptions } from './load-mcplocal-config.js';
export { checkConfig } from './check-config.js';
export { publishedName, toDnsLabel, workstationIdentity, type WorkstationIdentity } from './published-name.js';
export { sessionFile, readSessionId, writeSessionId } from './session-file.js';
export { PROVIDER_TRANSPORT_ENV, providerTransportMode } from './provider-transport.js';
