import { describe, expect, it } from 'vitest';
import { parseFakeUpstreamArguments, spawnFakeUpstream, TestKitError } from '../src/index.js';
import { postJson } from './read-stream.js';

describe('fake-upstream as its own process', () => {
  it('prints its URL, serves the configured answer, and exits cleanly on SIGTERM', async () => {
    const spawned = await spawnFakeUpstream(['--port', '0', '--model', 'spawned-model', '--token-count', '3']);
    try {
      expect(spawned.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const models = (await (await fetch(`${spawned.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
      const completion = (await (
        await postJson(`${spawned.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }] })
      ).json()) as { usage: { completion_tokens: number } };

      expect(models.data.map((model) => model.id)).toEqual(['spawned-model']);
      expect(completion.usage.completion_tokens).toBe(3);
    } finally {
      await spawned.stop();
    }
    expect(spawned.process.exitCode).toBe(0);
  });

  it('starts asleep when asked and wakes on POST /wake_up', async () => {
    const spawned = await spawnFakeUpstream(['--asleep', '--wake-delay-ms', '0']);
    try {
      expect((await fetch(`${spawned.url}/health`)).status).toBe(503);
      await fetch(`${spawned.url}/wake_up`, { method: 'POST' });
      expect((await fetch(`${spawned.url}/health`)).status).toBe(200);
    } finally {
      await spawned.stop();
    }
  });

  it('rejects with the process’s complaint when the arguments are wrong', async () => {
    await expect(spawnFakeUpstream(['--latency-ms', 'soon'])).rejects.toThrow(/--latency-ms expects a non-negative number/);
  });

  it('reads every flag of its command line', () => {
    expect(
      parseFakeUpstreamArguments([
        '--port', '4100', '--host', '0.0.0.0', '--model', 'm', '--token-count', '12', '--tokens-per-second', '30',
        '--latency-ms', '5', '--api-key', 'k', '--echo', '--ignore-stream', '--asleep', '--wake-delay-ms', '250',
      ]),
    ).toEqual({
      port: 4100,
      host: '0.0.0.0',
      model: 'm',
      tokenCount: 12,
      tokensPerSecond: 30,
      latencyMs: 5,
      apiKey: 'k',
      echo: true,
      ignoreStream: true,
      asleep: true,
      wakeDelayMs: 250,
      recordRequests: false,
    });
    expect(() => parseFakeUpstreamArguments(['--colour'])).toThrow(TestKitError);
  });
});
