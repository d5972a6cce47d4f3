import { ManualClock } from '@mcpctl/clock/manual';
import { wakeRecipeSchema } from '@mcpctl/protocol';
import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McplocalError } from '../../src/errors.js';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.js';
import type { ProviderToPublish } from '../../src/registrar/registrar-options.js';
import { RecipeWakeHandler } from '../../src/wake/recipe-wake-handler.js';
import type { LogLines } from '../registrar/registrar-harness.js';
import { eventually } from '../support/eventually.js';
import { processAlive } from './support/process-alive.js';

let upstream: FakeUpstream;
let lines: LogLines;
let handler: RecipeWakeHandler;

beforeEach(async () => {
  upstream = await startFakeUpstream({ asleep: true, wakeDelayMs: 300 });
  lines = { debug: [], info: [], warn: [], error: [] };
  handler = new RecipeWakeHandler({
    log: { info: (line) => lines.info.push(line), warn: (line) => lines.warn.push(line), error: (line) => lines.error.push(line) },
  });
});

afterEach(async () => {
  await upstream.close();
});

function entry(wake: Record<string, unknown> | undefined): ProviderToPublish {
  return {
    provider: new OpenAiProvider({ name: 'local-qwen', url: upstream.url, model: 'fake-model' }),
    type: 'openai',
    model: 'qwen2.5-7b',
    wake: wake === undefined ? undefined : wakeRecipeSchema.parse(wake),
  };
}

/** A command that wakes the fake upstream over HTTP, as a script calling a backend's own wake endpoint would. */
function wakingCommand(extra = ''): Record<string, unknown> {
  const script = `${extra} fetch(process.argv[1] + '/wake_up', { method: 'POST' }).then((response) => console.log('wake endpoint said', response.status))`;
  return { type: 'command', command: process.execPath, args: ['-e', script, upstream.url] };
}

function wake(target: ProviderToPublish, signal: AbortSignal = AbortSignal.timeout(10_000)): Promise<{ ms: number }> {
  return handler.wake({ llmName: 'qwen-alice', entry: target, signal });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error(`expected a rejection with an Error, got ${String(error)}`);
  return error;
}

describe('RecipeWakeHandler', () => {
  it('wakes with an HTTP recipe, then waits until the backend answers', async () => {
    const { ms } = await wake(entry({ type: 'http', url: `${upstream.url}/wake_up` }));
    expect(upstream.wakeCalls).toBe(1);
    expect(upstream.asleep).toBe(false);
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(1_500);
    expect(await entry(undefined).provider.isAvailable()).toBe(true);
    expect(lines.info).toContain(`qwen-alice: waking with POST ${upstream.url}/wake_up`);
  });

  it('wakes with a command recipe, logging its output under the published name', async () => {
    const { ms } = await wake(entry(wakingCommand("console.error('warming up');")));
    expect(upstream.asleep).toBe(false);
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(lines.info).toContain('qwen-alice: wake endpoint said 200');
    expect(lines.warn).toContain('qwen-alice: warming up');
  });

  it('fails with the recipe\'s failure and does not poll a backend it could not wake', async () => {
    const error = await failure(wake(entry({ type: 'command', command: 'sh', args: ['-c', 'exit 3'] })));
    expect(error).toBeInstanceOf(McplocalError);
    expect(error.message).toBe('the wake command sh exited with code 3');
    expect(upstream.requests).toEqual([]);

    const httpError = await failure(wake(entry({ type: 'http', url: `${upstream.url}/wake-me-not` })));
    expect(httpError.message).toMatch(/^the wake request POST .*\/wake-me-not answered HTTP 404/);
  });

  it('gives up after maxWaitSeconds on its clock when the backend does not come up', async () => {
    upstream.setBehavior({ wakeDelayMs: 10_000 });
    const clock = new ManualClock();
    const timed = new RecipeWakeHandler({ log: { info: () => undefined, warn: () => undefined, error: () => undefined }, clock });
    const target = entry({ type: 'http', url: `${upstream.url}/wake_up`, maxWaitSeconds: 0.5 });
    const waking = failure(timed.wake({ llmName: 'qwen-alice', entry: target, signal: new AbortController().signal }));
    // The wake request answered, a first readiness probe went out, and the pause after it is armed beside the deadline.
    const probes = () => upstream.requests.filter((request) => request.path === '/v1/models').length;
    await eventually('the readiness polling', () => probes() === 1 && clock.pendingTimers === 2);
    clock.advance(499);
    await eventually('the second probe', () => probes() === 2 && clock.pendingTimers === 2);
    expect(timed.isWaking('qwen-alice')).toBe(true);
    clock.advance(1);
    const error = await waking;
    expect(error.message).toBe('qwen-alice did not wake within 0.5 s: the backend did not answer yet');
    expect(clock.pendingTimers).toBe(0);
  });

  it('kills a command that outlives maxWaitSeconds', async () => {
    // The deadline is on a manual clock, moved only once the command has said its pid: a loaded
    // machine may take longer than 0.5 s to start a Node.js process at all.
    const clock = new ManualClock();
    const timed = new RecipeWakeHandler({ log: { info: (line) => lines.info.push(line), warn: () => undefined, error: () => undefined }, clock });
    const script = 'console.log(process.pid); setInterval(() => {}, 1000)';
    const target = entry({ type: 'command', command: process.execPath, args: ['-e', script], maxWaitSeconds: 0.5 });
    const waking = failure(timed.wake({ llmName: 'qwen-alice', entry: target, signal: new AbortController().signal }));
    const pidLine = () => lines.info.find((line) => /^qwen-alice: \d+$/.test(line));
    await eventually('the command saying its pid', () => pidLine() !== undefined);
    const pid = Number(pidLine()?.split(': ')[1]);
    expect(processAlive(pid)).toBe(true);
    clock.advance(500);
    const error = await waking;
    expect(error.message).toBe('qwen-alice did not wake within 0.5 s: the wake command was still running and was killed');
    expect(processAlive(pid)).toBe(false);
  });

  it('answers a provider without a recipe with why it cannot wake it', async () => {
    await expect(wake(entry(undefined))).rejects.toThrow('qwen-alice has no wake recipe');
  });

  it('runs the recipe once for wakes that overlap, and gives each the same result', async () => {
    const target = entry(wakingCommand());
    const [first, second] = await Promise.all([wake(target), wake(target)]);
    expect(first).toEqual(second);
    expect(lines.info.filter((line) => line === 'qwen-alice: wake endpoint said 200')).toHaveLength(1);
    expect(upstream.wakeCalls).toBe(1);
    expect(handler.isWaking('qwen-alice')).toBe(false);
  });

  it('keeps a shared wake going for the callers that stay, and stops it when the last one leaves', async () => {
    const target = entry({ type: 'http', url: `${upstream.url}/wake_up` });
    const leaving = new AbortController();
    const cancelled = wake(target, leaving.signal);
    const staying = wake(target);
    leaving.abort(new McplocalError('mcpd cancelled the task'));
    await expect(cancelled).rejects.toThrow('mcpd cancelled the task');
    expect((await staying).ms).toBeGreaterThanOrEqual(280);

    upstream.sleep();
    const script = 'console.log(process.pid); setInterval(() => {}, 1000)';
    const lonely = new AbortController();
    const running = wake(entry({ type: 'command', command: process.execPath, args: ['-e', script] }), lonely.signal);
    await expect.poll(() => lines.info.some((line) => /^qwen-alice: \d+$/.test(line)), { timeout: 5_000 }).toBe(true);
    const pid = Number(lines.info.find((line) => /^qwen-alice: \d+$/.test(line))!.split(': ')[1]);
    lonely.abort(new McplocalError('mcplocal is stopping'));
    await expect(running).rejects.toThrow('mcplocal is stopping');
    // The last caller to leave settles only once the command is gone.
    expect(processAlive(pid)).toBe(false);
    expect(handler.isWaking('qwen-alice')).toBe(false);
  });

  it('is idle once every wake has wound down, one whose callers left but whose command is still being killed included', async () => {
    await handler.idle();
    const script = 'console.log(process.pid); process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)';
    const caller = new AbortController();
    const running = wake(entry({ type: 'command', command: process.execPath, args: ['-e', script] }), caller.signal).catch(() => undefined);
    await expect.poll(() => lines.info.some((line) => /^qwen-alice: \d+$/.test(line)), { timeout: 5_000 }).toBe(true);
    const pid = Number(lines.info.find((line) => /^qwen-alice: \d+$/.test(line))!.split(': ')[1]);
    caller.abort(new McplocalError('the caller left'));
    // Not waking any more for anyone, yet the command, which shrugs off SIGTERM, waits for its SIGKILL.
    expect(handler.isWaking('qwen-alice')).toBe(false);
    expect(processAlive(pid)).toBe(true);
    await handler.idle();
    expect(processAlive(pid)).toBe(false);
    await running;
  });
});
