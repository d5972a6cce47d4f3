import type { Clock } from '@mcpctl/clock';
import type { ProviderEntry } from '@mcpctl/protocol';
import { ConfigError } from '../errors.js';
import { AnthropicProvider } from './anthropic/anthropic-provider.js';
import type { LlmProvider } from './llm-provider.js';
import { OllamaProvider } from './ollama/ollama-provider.js';
import { OpenAiProvider } from './openai/openai-provider.js';

export const MANAGED_NOT_SUPPORTED = 'managed providers are not supported yet';

/**
 * The provider a config entry describes, its key read from `apiKeyEnv` when the entry names a
 * variable instead of holding the key. Throws a ConfigError for an entry it cannot build, so a
 * misconfiguration stops the daemon at start rather than on the first request.
 */
export function createProvider(entry: ProviderEntry, env: NodeJS.ProcessEnv, clock?: Clock): LlmProvider {
  const options = { name: entry.name, url: entry.url, model: entry.model, apiKey: resolveApiKey(entry, env), clock };
  switch (entry.type) {
    case 'openai':
      return new OpenAiProvider(options);
    case 'anthropic':
      return new AnthropicProvider(options);
    case 'ollama':
      return new OllamaProvider(options);
    case 'managed':
      throw new ConfigError([`provider "${entry.name}": ${MANAGED_NOT_SUPPORTED}`]);
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
