import { ManualClock } from '@mcpctl/clock/manual';
import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpenAiProvider, ProviderRegistry, startLocalEndpoint, type LocalEndpoint } from '../../src/index.js';
import { ProviderSlots } from '../../src/registrar/provider-slots.js';

const HI = [{ role: 'user' as const, content: 'Hi' }];

/*
 * A provider's `maxConcurrent` counts the local endpoint's requests with the relayed tasks: the
 * model server runs no more than its owner allowed, whoever asked.
 */
describe('the local endpoint under a provider’s maxConcurrent', () => {
  let upstream: FakeUpstream;
  let endpoint: LocalEndpoint;
  let slots: ProviderSlots;
  let asked: string[];
  let clock: ManualClock;

  beforeEach(async () => {
    upstream = await startFakeUpstream({ tokens: ['Hello', '.'] });
    const registry = new ProviderRegistry();
    registry.register(new OpenAiProvider({ name: 'desk-qwen', url: upstream.url, model: 'fake-model' }));
    slots = new ProviderSlots(new Map([['desk-qwen', 1]]));
    asked = [];
    clock = new ManualClock(1_700_000_000_000);
    endpoint = await startLocalEndpoint({
      registry,
      port: 0,
      requireToken: false,
      clock,
      turns: (name, signal) => {
        asked.push(name);
        return slots.acquire(name, signal);
      },
    });
  });

  afterEach(async () => {
    await endpoint.close();
    await upstream.close();
  });

  const chat = (stream: boolean) =>
    fetch(`${endpoint.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'desk-qwen', messages: HI, stream }),
    });

  it.each([false, true])('waits for the turn a relayed task holds (streaming %s), then serves', async (stream) => {
    // A relayed task of the same provider runs: its one slot is taken.
    const task = await slots.acquire('desk-qwen', new AbortController().signal);
    const answer = chat(stream);
    await vi.waitFor(() => expect(slots.waiting('desk-qwen')).toBe(1));
    expect(upstream.requests).toHaveLength(0);
    // A streaming caller hears why nothing comes yet, as it would of a wake.
    await clock.advanceAsync(3_000);
    task();
    const response = await answer;
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('Hello');
    if (stream) expect(text.startsWith(': waiting desk-qwen 3s\n\n')).toBe(true);
    else expect(text).not.toContain('waiting');
    expect(upstream.requests).toHaveLength(1);
    // Its own turn went back when the answer ended.
    expect(slots.running('desk-qwen')).toBe(0);
  });

  it('gives the turn back when the caller leaves while waiting', async () => {
    const task = await slots.acquire('desk-qwen', new AbortController().signal);
    const leaving = new AbortController();
    const answer = fetch(`${endpoint.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'desk-qwen', messages: HI }),
      signal: leaving.signal,
    });
    await vi.waitFor(() => expect(slots.waiting('desk-qwen')).toBe(1));
    leaving.abort();
    await expect(answer).rejects.toThrow();
    await vi.waitFor(() => expect(slots.waiting('desk-qwen')).toBe(0));
    task();
    // The one who left took no turn: the next request runs at once.
    const next = await chat(false);
    expect(next.status).toBe(200);
    await next.text();
    expect(upstream.requests).toHaveLength(1);
    expect(slots.running('desk-qwen')).toBe(0);
  });
});
