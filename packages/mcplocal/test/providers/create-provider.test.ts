import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { AnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { createProvider } from '../../src/providers/create-provider.js';
import { isAbortError } from '../../src/providers/is-abort-error.js';
import { OllamaProvider } from '../../src/providers/ollama/ollama-provider.js';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.js';
import { entryFor } from './support/provider-conformance.js';

describe('createProvider', () => {
  it('builds the provider of each entry type under the entry name', () => {
    const openai = createProvider(entryFor('openai', 'http://127.0.0.1:8000'), {});
    expect(openai).toBeInstanceOf(OpenAiProvider);
    expect(openai.name).toBe('local-openai');
    expect(createProvider(entryFor('anthropic', 'https://api.anthropic.com'), {})).toBeInstanceOf(AnthropicProvider);
    expect(createProvider(entryFor('ollama', 'http://127.0.0.1:11434'), {})).toBeInstanceOf(OllamaProvider);
  });

  it('refuses a managed entry with a ConfigError when nothing runs servers (an embedding)', () => {
    const build = () => createProvider(entryFor('openai', 'http://127.0.0.1:8000', { type: 'managed', name: 'gpu-box', command: 'vllm' }), {});
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/provider "gpu-box": type "managed" needs mcplocal to run its server/);
  });

  it('refuses an apiKeyEnv naming an unset variable, naming the variable', () => {
    const entry = entryFor('openai', 'http://127.0.0.1:8000', { apiKeyEnv: 'VLLM_KEY' });
    expect(() => createProvider(entry, { VLLM_KEY: '' })).toThrow(/apiKeyEnv names VLLM_KEY, which is not set/);
    expect(createProvider(entry, { VLLM_KEY: 'k' })).toBeInstanceOf(OpenAiProvider);
  });
});

describe('isAbortError', () => {
  it('tells a cancellation from a failure', () => {
    const controller = new AbortController();
    controller.abort();
    expect(isAbortError(controller.signal.reason)).toBe(true);
    expect(isAbortError(new DOMException('timed out', 'TimeoutError'))).toBe(true);
    expect(isAbortError(new Error('connection refused'))).toBe(false);
    const custom = new AbortController();
    const reason = new Error('task cancelled');
    custom.abort(reason);
    expect(isAbortError(reason)).toBe(false);
    expect(isAbortError(reason, custom.signal)).toBe(true);
  });
});
