import { wakeRecipeSchema } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import type { LlmProvider } from '../../src/providers/llm-provider.js';
import type { ProviderToPublish } from '../../src/registrar/registrar-options.js';
import { SleepWatch } from '../../src/wake/sleep-watch.js';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A published provider whose availability probe answers only when the test says. */
function heldProbes(): { entry: ProviderToPublish; answer(available: boolean): void; probes(): number } {
  const waiting: Array<(available: boolean) => void> = [];
  let probes = 0;
  const provider = {
    name: 'qwen',
    isAvailable: () => {
      probes += 1;
      return new Promise<boolean>((resolve) => waiting.push(resolve));
    },
  } as unknown as LlmProvider;
  const entry: ProviderToPublish = { provider, type: 'openai', model: 'm', wake: wakeRecipeSchema.parse({ type: 'http', url: 'http://127.0.0.1:1/wake_up' }) };
  return { entry, answer: (available) => waiting.shift()?.(available), probes: () => probes };
}

describe('SleepWatch', () => {
  it('keeps the news of a backend woken for a request when a probe under way went stale, and gives it with the next', async () => {
    const held = heldProbes();
    const watch = new SleepWatch({ providers: new Map([['qwen', held.entry]]), log });
    watch.registeredAsleep(['qwen']);
    const wakes = watch.track({ wake: () => Promise.resolve({ ms: 5 }) });

    // A probe starts, a wake for a request begins and ends before it answers: the probe may have seen the backend before it woke.
    const stale = watch.news(new AbortController().signal);
    await wakes.wake({ llmName: 'qwen', entry: held.entry, signal: new AbortController().signal, withoutWakeTask: true });
    held.answer(true);
    expect(await stale).toEqual({ hibernating: [], awake: [] });

    // No wake task told mcpd: the next probe does.
    const next = watch.news(new AbortController().signal);
    held.answer(true);
    expect(await next).toEqual({ hibernating: [], awake: ['qwen'] });
    const after = watch.news(new AbortController().signal);
    held.answer(true);
    expect(await after).toEqual({ hibernating: [], awake: [] });
    expect(held.probes()).toBe(3);
  });

  it('tells nothing more of a backend a wake task woke: its result told mcpd', async () => {
    const held = heldProbes();
    let unheard = 0;
    const watch = new SleepWatch({ providers: new Map([['qwen', held.entry]]), log, onWokenUnheard: () => (unheard += 1) });
    watch.registeredAsleep(['qwen']);
    const wakes = watch.track({ wake: () => Promise.resolve({ ms: 5 }) });
    await wakes.wake({ llmName: 'qwen', entry: held.entry, signal: new AbortController().signal });
    const news = watch.news(new AbortController().signal);
    held.answer(true);
    expect(await news).toEqual({ hibernating: [], awake: [] });
    expect(unheard).toBe(0);

    // A wake for a request of a backend mcpd was told sleeps asks for a heartbeat at once.
    watch.registeredAsleep(['qwen']);
    await wakes.wake({ llmName: 'qwen', entry: held.entry, signal: new AbortController().signal, withoutWakeTask: true });
    expect(unheard).toBe(1);
  });
});
