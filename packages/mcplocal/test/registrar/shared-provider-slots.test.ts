import { afterEach, describe, expect, it } from 'vitest';
import { ProviderRegistry, startLocalEndpoint, type LocalEndpoint } from '../../src/index.js';
import { ProviderSlots } from '../../src/registrar/provider-slots.js';
import { RegistrarHarness } from './registrar-harness.js';

const TEN = ['one', ' two', ' three', ' four', ' five', ' six', ' seven', ' eight', ' nine', ' ten'];

/*
 * One count per provider, as mcplocal wires it: a relayed task, which arrives under the published
 * name, and a local request, which names the provider, take turns on the same slots.
 */
describe('a provider published under another name, with maxConcurrent 1', () => {
  let h: RegistrarHarness | undefined;
  let endpoint: LocalEndpoint | undefined;

  afterEach(async () => {
    await endpoint?.close();
    await h?.close();
  });

  it('makes a local request wait while a relayed task runs on it', async () => {
    h = await RegistrarHarness.start();
    h.upstream.setBehavior({ tokens: TEN, tokensPerSecond: 20 });
    const slots = new ProviderSlots(new Map([['local-qwen', 1]]));
    const entry = h.localProvider({ publishName: 'qwen-desk', maxConcurrent: 1 });
    const registrar = h.registrar({ slots, publishedProviders: [entry] });
    await registrar.start();
    await h.mcpd.waitFor('the control stream', () => h!.mcpd.openStreams === 1);
    const registry = new ProviderRegistry();
    registry.register(entry.provider);
    endpoint = await startLocalEndpoint({ registry, port: 0, requireToken: false, turns: (name, signal) => slots.acquire(name, signal) });

    h.mcpd.pushTask({ kind: 'infer', taskId: 'relayed-1', llmName: 'qwen-desk', request: { messages: [{ role: 'user', content: 'hi' }] }, streaming: true });
    // The task counts under the provider's own name, where the local endpoint looks.
    await h.mcpd.waitFor('the task running', () => slots.running('local-qwen') === 1);
    const local = fetch(`${endpoint.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local-qwen', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await h.mcpd.waitFor('the local request waiting', () => slots.waiting('local-qwen') === 1);
    expect(h.upstream.requests).toHaveLength(1);

    const answer = await local;
    expect(answer.status).toBe(200);
    await answer.text();
    // It ran only once the relayed answer was whole.
    const results = h.mcpd.resultsOf('relayed-1');
    expect(results.at(-1)).toMatchObject({ chunk: { data: '[DONE]' } });
    expect(h.upstream.requests).toHaveLength(2);
    expect(slots.running('local-qwen')).toBe(0);
  });
});
