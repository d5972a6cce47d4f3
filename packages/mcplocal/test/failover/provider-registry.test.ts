import { describe, expect, it } from 'vitest';
import { buildProviderRegistry, OpenAiProvider, ProviderRegistry } from '../../src/index.js';

/* Real providers, never called: the registry only keeps them by name. */
const provider = (name: string) => new OpenAiProvider({ name, url: 'http://127.0.0.1:9', model: 'm' });

describe('ProviderRegistry', () => {
  it('keeps providers by name, lists them in registration order, and replaces one registered again', () => {
    const registry = new ProviderRegistry();
    const first = provider('qwen');
    registry.register(first);
    registry.register(provider('llama'));
    expect(registry.get('qwen')).toBe(first);
    expect(registry.get('mistral')).toBeUndefined();
    expect(registry.list().map((entry) => entry.name)).toEqual(['qwen', 'llama']);

    const second = provider('qwen');
    registry.register(second);
    expect(registry.get('qwen')).toBe(second);
    expect(registry.list()).toHaveLength(2);
  });

  it('maps a central LLM to its local stand-in and answers null for any other name', () => {
    const registry = new ProviderRegistry();
    const local = provider('qwen-local');
    registry.register(local);
    registry.registerFailover('gpt-central', 'qwen-local');
    expect(registry.getFailoverFor('gpt-central')).toBe(local);
    expect(registry.getFailoverFor('qwen-local')).toBeNull();
    expect(registry.getFailoverFor('other')).toBeNull();
  });

  it('refuses a failover to a local provider it does not know', () => {
    const registry = new ProviderRegistry();
    expect(() => registry.registerFailover('gpt-central', 'ghost')).toThrow(/not registered/);
    expect(registry.listFailovers()).toEqual([]);
  });

  it('lists failovers in insertion order; registering a central name again changes its stand-in in place', () => {
    const registry = new ProviderRegistry();
    for (const name of ['a-local', 'b-local', 'c-local']) registry.register(provider(name));
    registry.registerFailover('zeta', 'a-local');
    registry.registerFailover('alpha', 'b-local');
    registry.registerFailover('mid', 'c-local');
    registry.registerFailover('zeta', 'c-local');
    expect(registry.listFailovers()).toEqual([
      { centralLlmName: 'zeta', localProviderName: 'c-local' },
      { centralLlmName: 'alpha', localProviderName: 'b-local' },
      { centralLlmName: 'mid', localProviderName: 'c-local' },
    ]);
  });

  it('unregistering a provider drops it and every failover entry pointing at it, and nothing else', () => {
    const registry = new ProviderRegistry();
    registry.register(provider('keep'));
    registry.register(provider('gone'));
    registry.registerFailover('central-1', 'gone');
    registry.registerFailover('central-2', 'keep');
    registry.registerFailover('central-3', 'gone');

    expect(registry.unregister('gone')).toBe(true);
    expect(registry.get('gone')).toBeUndefined();
    expect(registry.getFailoverFor('central-1')).toBeNull();
    expect(registry.getFailoverFor('central-3')).toBeNull();
    expect(registry.listFailovers()).toEqual([{ centralLlmName: 'central-2', localProviderName: 'keep' }]);
    expect(registry.list().map((entry) => entry.name)).toEqual(['keep']);
    expect(registry.unregister('gone')).toBe(false);
    // The name can be registered again, without its old failover entries.
    registry.register(provider('gone'));
    expect(registry.getFailoverFor('central-1')).toBeNull();
  });

  it('is built from a config: every provider, published or not, and each failoverFor', () => {
    const registry = buildProviderRegistry(
      {
        providers: [
          { name: 'desk', type: 'openai', url: 'http://127.0.0.1:8000', model: 'm', publish: true, visibility: 'private' },
          { name: 'backup', type: 'ollama', url: 'http://127.0.0.1:11434', model: 'llama', publish: false, visibility: 'private', failoverFor: 'gpt-central' },
        ],
        agents: [],
      },
      {},
    );
    expect(registry.list().map((entry) => entry.name)).toEqual(['desk', 'backup']);
    expect(registry.listFailovers()).toEqual([{ centralLlmName: 'gpt-central', localProviderName: 'backup' }]);
  });
});
