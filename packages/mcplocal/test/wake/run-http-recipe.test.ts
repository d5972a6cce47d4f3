import { systemClock } from '@mcpctl/clock';
import { wakeRecipeSchema } from '@mcpctl/protocol';
import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McplocalError } from '../../src/errors.js';
import { runHttpRecipe, type HttpWakeRecipe } from '../../src/wake/run-http-recipe.js';
import { closedPortUrl, startSilentServer } from '../providers/support/closed-port.js';

let upstream: FakeUpstream;

beforeEach(async () => {
  upstream = await startFakeUpstream({ asleep: true });
});

afterEach(async () => {
  await upstream.close();
});

function httpRecipe(fields: Record<string, unknown>): HttpWakeRecipe {
  const recipe = wakeRecipeSchema.parse({ type: 'http', ...fields });
  if (recipe.type !== 'http') throw new Error('expected an http recipe');
  return recipe;
}

function run(recipe: HttpWakeRecipe, timeoutMs = 30_000): Promise<void> {
  return runHttpRecipe(recipe, { signal: AbortSignal.timeout(10_000), clock: systemClock, timeoutMs });
}

describe('runHttpRecipe', () => {
  it('sends a POST by default and takes a 2xx answer as success', async () => {
    await run(httpRecipe({ url: `${upstream.url}/wake_up` }));
    expect(upstream.wakeCalls).toBe(1);
    expect(upstream.asleep).toBe(false);
    expect(upstream.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /wake_up']);
  });

  it('sends the recipe\'s method, headers and a JSON body', async () => {
    await run(
      httpRecipe({
        url: `${upstream.url}/wake_up`,
        method: 'POST',
        headers: { authorization: 'Bearer wake-secret' },
        body: { tags: ['weights'] },
      }),
    );
    const [request] = upstream.requests;
    expect(request?.headers.authorization).toBe('Bearer wake-secret');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({ tags: ['weights'] });
  });

  it('sends a string body as it is written', async () => {
    await run(httpRecipe({ url: `${upstream.url}/wake_up`, headers: { 'Content-Type': 'text/plain' }, body: 'wake up' }));
    expect(upstream.requests[0]?.body).toBe('wake up');
    expect(upstream.requests[0]?.headers['content-type']).toBe('text/plain');
  });

  it('fails on a non-2xx answer with the status and what the server said, never the headers', async () => {
    const error = await run(httpRecipe({ url: `${upstream.url}/no-such-route?key=query-secret`, headers: { authorization: 'Bearer wake-secret' } })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(McplocalError);
    expect((error as Error).message).toMatch(new RegExp(`^the wake request POST ${upstream.url}/no-such-route answered HTTP 404: .*no route for POST /no-such-route`));
    expect((error as Error).message).not.toContain('secret');
  });

  it('fails with the network reason when nothing listens', async () => {
    const url = await closedPortUrl();
    await expect(run(httpRecipe({ url: `${url}/wake_up` }))).rejects.toThrow(/the wake request POST .*\/wake_up failed: .*ECONNREFUSED/);
  });

  it('gives up on a request that does not answer within its timeout', async () => {
    const silent = await startSilentServer();
    try {
      const startedAt = performance.now();
      await expect(run(httpRecipe({ url: `${silent.url}/wake_up` }), 300)).rejects.toThrow(/did not answer within 0\.3 s/);
      expect(performance.now() - startedAt).toBeLessThan(2_000);
    } finally {
      await silent.close();
    }
  });

  it('rejects with the caller\'s reason when aborted', async () => {
    const silent = await startSilentServer();
    try {
      const reason = new McplocalError('mcpd cancelled the task');
      const controller = new AbortController();
      const running = runHttpRecipe(httpRecipe({ url: `${silent.url}/wake_up` }), { signal: controller.signal, clock: systemClock, timeoutMs: 30_000 });
      setTimeout(() => controller.abort(reason), 50);
      await expect(running).rejects.toBe(reason);
    } finally {
      await silent.close();
    }
  });
});
