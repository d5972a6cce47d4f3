import type { Clock } from '@mcpctl/clock';
import type { ProviderEntry } from '@mcpctl/protocol';
import { ConfigError } from '../errors.js';
import { AnthropicProvider } from './anthropic/anthropic-provider.js';
import type { LlmProvider } from './llm-provider.js';
import { OllamaProvider } from './ollama/ollama-provider.js';
import { OpenAiProvider } from './openai/openai-provider.js';
import { ManagedProvider } from '../managed/managed-provider.js';
import type { ManagedServers } from '../managed/managed-servers.js';
import { servedModelOf } from '../managed/managed-command.js';

/**
 * The provider a config entry describes, its key read from `apiKeyEnv` when the entry names a
 * variable instead of holding the key. A managed entry's server comes from `servers`, one per
 * entry whichever caller builds its provider. Throws a ConfigError for an entry it cannot build, so a
 * misconfiguration stops the daemon at start rather than on the first request.
 */
export function createProvider(entry: ProviderEntry, env: NodeJS.ProcessEnv, clock?: Clock, servers?: ManagedServers): LlmProvider {
  const options = { name: entry.name, url: entry.url, model: entry.model, apiKey: resolveApiKey(entry, env), clock };
  switch (entry.type) {
    case 'openai':
      return new OpenAiProvider(options);
    case 'anthropic':
      return new AnthropicProvider(options);
    case 'ollama':
      return new OllamaProvider(options);
    case 'managed': {
      // mcplocal runs the server, which speaks OpenAI's dialect; every call holds it up while it answers.
      if (!servers) throw new ConfigError([`provider "${entry.name}": type "managed" needs mcplocal to run its server; this embedding runs none`]);
      // The server answers to the name its command line gave it, which is also the one published.
      const server = new OpenAiProvider({ ...options, model: servedModelOf(entry) });
      return new ManagedProvider(server, servers.serverFor(entry, server));
    }
  }
}

/** `apiKey`, else the value of the variable `apiKeyEnv` names; no key at all is fine for a local server. */
export function resolveApiKey(entry: ProviderEntry, env: NodeJS.ProcessEnv): string | undefined {
  if (entry.apiKey !== undefined || entry.apiKeyEnv === undefined) return entry.apiKey;
  const value = env[entry.apiKeyEnv];
  if (value === undefined || value === '') {
    throw new ConfigError([`provider "${entry.name}": apiKeyEnv names ${entry.apiKeyEnv}, which is not set`]);
  }
  return value;
}
