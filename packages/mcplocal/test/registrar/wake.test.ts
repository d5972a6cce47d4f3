import { wakeRecipeSchema, type TaskResult, type WakeRecipe } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.js';
import { closedPortUrl } from '../providers/support/closed-port.js';
import { processAlive } from '../wake/support/process-alive.js';
import { RegistrarHarness } from './registrar-harness.js';

let harness: RegistrarHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(upstream: { asleep: boolean; wakeDelayMs?: number }): Promise<RegistrarHarness> {
  harness = await RegistrarHarness.start(upstream);
  return harness;
}

function okMs(result: TaskResult | undefined): number {
  if (!result || !('status' in result) || result.status !== 200) throw new Error(`expected a 200 result, got ${JSON.stringify(result)}`);
  const body = result.body as { ok?: unknown; ms?: unknown };
  expect(body.ok).toBe(true);
  expect(typeof body.ms).toBe('number');
  return body.ms as number;
}

describe('VirtualLlmRegistrar wake-on-demand', () => {
  it('registers a provider with a recipe whose backend sleeps as hibernating, and one without a recipe as active', async () => {
    const h = await start({ asleep: true });
    const plain = h.localProvider({ publishName: 'qwen-plain' });
    await h.registrar({ publishedProviders: [h.sleepyProvider({ type: 'http', url: `${h.upstream.url}/wake_up`, maxWaitSeconds: 120 }), plain] }).start();
    expect(h.mcpd.registrations[0]?.providers).toEqual([
      { name: 'qwen-sleepy', type: 'openai', model: 'qwen2.5-7b', initialStatus: 'hibernating', wakeRecipe: { kind: 'http', maxWaitSeconds: 120 } },
      { name: 'qwen-plain', type: 'openai', model: 'qwen2.5-7b', initialStatus: 'active' },
    ]);
    expect(h.lines.info.some((line) => line.includes('qwen-sleepy (hibernating), qwen-plain (active)'))).toBe(true);
    // Registering probes the backend; it does not wake it.
    expect(h.upstream.wakeCalls).toBe(0);
  });

  it('registers a provider with a recipe whose backend answers as active', async () => {
    const h = await start({ asleep: false });
    await h.registrar({ publishedProviders: [h.sleepyProvider({ type: 'command', command: 'true' })] }).start();
    expect(h.mcpd.registrations[0]?.providers).toEqual([
      { name: 'qwen-sleepy', type: 'openai', model: 'qwen2.5-7b', initialStatus: 'active', wakeRecipe: { kind: 'command', maxWaitSeconds: 60 } },
    ]);
  });

  it('registers a provider without a recipe as active even when its backend is down', async () => {
    const h = await start({ asleep: false });
    const down = h.localProvider({ provider: new OpenAiProvider({ name: 'local-down', url: await closedPortUrl(), model: 'fake-model' }) });
    await h.registrar({ publishedProviders: [down] }).start();
    expect(h.mcpd.registrations[0]?.providers[0]?.initialStatus).toBe('active');
  });

  it('posts the recipe\'s failure as the task error', async () => {
    const h = await start({ asleep: true });
    await h.registrar({ publishedProviders: [h.sleepyProvider({ type: 'command', command: 'sh', args: ['-c', 'exit 3'] })] }).start();
    h.mcpd.pushTask({ kind: 'wake', taskId: 'wake-2', llmName: 'qwen-sleepy' });
    await h.mcpd.waitFor('the wake result', () => h.mcpd.resultsOf('wake-2').length === 1);
    expect(h.mcpd.resultsOf('wake-2')).toEqual([{ error: 'qwen-sleepy: the wake command sh exited with code 3' }]);
  });

  it('posts a timeout when the backend is not up within maxWaitSeconds', async () => {
    const h = await start({ asleep: true, wakeDelayMs: 10_000 });
    await h.registrar({ publishedProviders: [h.sleepyProvider({ type: 'http', url: `${h.upstream.url}/wake_up`, maxWaitSeconds: 0.5 })] }).start();
    h.mcpd.pushTask({ kind: 'wake', taskId: 'wake-3', llmName: 'qwen-sleepy' });
    await h.mcpd.waitFor('the wake result', () => h.mcpd.resultsOf('wake-3').length === 1);
    expect(h.mcpd.resultsOf('wake-3')).toEqual([{ error: 'qwen-sleepy did not wake within 0.5 s: the backend did not answer yet' }]);
  });

  it('wakes a backend that fell asleep since the last heartbeat for the relayed request that finds it, streamed or whole', async () => {
    // mcpd still has the row active: it hears of the sleep only from the next heartbeat.
    const h = await start({ asleep: false, wakeDelayMs: 200 });
    await h.registrar({ publishedProviders: [h.sleepyProvider()] }).start();
    expect(h.mcpd.registrations[0]?.providers[0]?.initialStatus).toBe('active');
    h.upstream.sleep();
    const request = { model: 'qwen-sleepy', messages: [{ role: 'user', content: 'Say hello.' }] };
    h.mcpd.pushTask({ kind: 'infer', taskId: 'stream-1', llmName: 'qwen-sleepy', request, streaming: true });
    h.mcpd.pushTask({ kind: 'infer', taskId: 'whole-1', llmName: 'qwen-sleepy', request, streaming: false });
    await h.mcpd.waitFor('both answers', () => h.mcpd.resultsOf('stream-1').some((result) => 'chunk' in result && result.chunk.done === true) && h.mcpd.resultsOf('whole-1').length === 1);
    // One run of the recipe for both, and no failure posted before the answers.
    expect(h.upstream.wakeCalls).toBe(1);
    expect(h.mcpd.resultsOf('whole-1')).toEqual([expect.objectContaining({ status: 200 })]);
    expect(h.mcpd.resultsOf('stream-1').every((result) => 'chunk' in result)).toBe(true);
    expect(h.lines.info.filter((line) => line === 'qwen-sleepy: its backend is asleep; waking it for a relayed request')).toHaveLength(2);
  });

  it('answers a relayed request whose sleeping backend does not wake with a 503 that says when to try again', async () => {
    const h = await start({ asleep: false });
    await h.registrar({ publishedProviders: [h.sleepyProvider({ type: 'command', command: 'sh', args: ['-c', 'exit 3'] })] }).start();
    h.upstream.sleep();
    h.mcpd.pushTask({ kind: 'infer', taskId: 'whole-2', llmName: 'qwen-sleepy', request: { model: 'qwen-sleepy', messages: [{ role: 'user', content: 'Hi' }] }, streaming: false });
    await h.mcpd.waitFor('the failure', () => h.mcpd.resultsOf('whole-2').length === 1);
    expect(h.mcpd.resultsOf('whole-2')).toEqual([
      { error: 'qwen-sleepy is asleep and did not wake: the wake command sh exited with code 3', retryAfterSeconds: 30 },
    ]);
  });

  it('passes on the failure of an awake backend without running its recipe', async () => {
    const h = await start({ asleep: false });
    await h.registrar({ publishedProviders: [h.sleepyProvider()] }).start();
    h.upstream.setBehavior({ fail: { status: 503, message: 'overloaded' } });
    h.mcpd.pushTask({ kind: 'infer', taskId: 'whole-3', llmName: 'qwen-sleepy', request: { model: 'qwen-sleepy', messages: [{ role: 'user', content: 'Hi' }] }, streaming: false });
    await h.mcpd.waitFor('the failure', () => h.mcpd.resultsOf('whole-3').length === 1);
    expect(h.mcpd.resultsOf('whole-3')[0]).toMatchObject({ error: expect.stringContaining('overloaded') });
    expect(h.upstream.wakeCalls).toBe(0);
  });

  it('serves two wake tasks of one provider with one run of the recipe', async () => {
    const h = await start({ asleep: true, wakeDelayMs: 200 });
    await h.registrar({ publishedProviders: [h.sleepyProvider()] }).start();
    h.mcpd.pushTask({ kind: 'wake', taskId: 'wake-a', llmName: 'qwen-sleepy' });
    h.mcpd.pushTask({ kind: 'wake', taskId: 'wake-b', llmName: 'qwen-sleepy' });
    await h.mcpd.waitFor('both wake results', () => h.mcpd.resultsOf('wake-a').length === 1 && h.mcpd.resultsOf('wake-b').length === 1);
    expect(okMs(h.mcpd.resultsOf('wake-a')[0])).toBe(okMs(h.mcpd.resultsOf('wake-b')[0]));
    expect(h.upstream.wakeCalls).toBe(1);
  });

  it('kills a running wake command when it stops, and tells mcpd why the wake ends', async () => {
    const h = await start({ asleep: true });
    const script = 'console.log(process.pid); setInterval(() => {}, 1000)';
    const registrar = h.registrar({ publishedProviders: [h.sleepyProvider({ type: 'command', command: process.execPath, args: ['-e', script] })] });
    await registrar.start();
    h.mcpd.pushTask({ kind: 'wake', taskId: 'wake-4', llmName: 'qwen-sleepy' });
    await expect.poll(() => h.lines.info.some((line) => /^qwen-sleepy: \d+$/.test(line)), { timeout: 5_000 }).toBe(true);
    const pid = Number(h.lines.info.find((line) => /^qwen-sleepy: \d+$/.test(line))!.split(': ')[1]);
    await registrar.stop();
    expect(processAlive(pid)).toBe(false);
    // The one result is the stop's word, not the wake's outcome: whoever waits for the wake hears mcplocal stopped.
    expect(h.mcpd.resultsOf('wake-4')).toEqual([{ error: 'mcplocal is stopping', retryAfterSeconds: 5 }]);
  });

  it('refuses, when it is built, a recipe whose maxWaitSeconds mcpd would not take', async () => {
    const h = await start({ asleep: false });
    // The config file's schema refuses it first; an embedder building options by hand is caught here.
    expect(() => wakeRecipeSchema.parse({ type: 'command', command: 'true', maxWaitSeconds: 7200 })).toThrow(/must be at most 3600 seconds/);
    const recipe: WakeRecipe = { type: 'command', command: 'true', args: [], maxWaitSeconds: 7200 };
    const provider = h.localProvider({ publishName: 'qwen-sleepy', wake: recipe });
    expect(() => h.registrar({ publishedProviders: [provider] })).toThrow(/^cannot publish: provider qwen-sleepy: wakeRecipe\.maxWaitSeconds: /);
  });
});
