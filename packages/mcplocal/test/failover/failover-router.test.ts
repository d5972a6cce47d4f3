import { describe, expect, it } from 'vitest';
import { FailoverRouter, OpenAiProvider, ProviderRegistry, type LlmProvider } from '../../src/index.js';

const MCPD = 'http://mcpd.test:3100';
const TOKEN = 'mcpctl_user_token';

interface Probe {
  url: string;
  method: string | undefined;
  headers: unknown;
}

/** A fetch that answers every probe with `answer` and records what it was asked. */
function fakeFetch(answer: number | Error): { fetch: typeof fetch; probes: Probe[] } {
  const probes: Probe[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    probes.push({ url: input instanceof Request ? input.url : String(input), method: init?.method, headers: init?.headers });
    if (answer instanceof Error) throw answer;
    return new Response(null, { status: answer });
  };
  return { fetch: fetchImpl, probes };
}

function setup(answer: number | Error, options: { standIn?: boolean } = {}) {
  const registry = new ProviderRegistry();
  const local = new OpenAiProvider({ name: 'qwen-local', url: 'http://127.0.0.1:9', model: 'm' });
  registry.register(local);
  if (options.standIn ?? true) registry.registerFailover('gpt-central', 'qwen-local');
  const { fetch, probes } = fakeFetch(answer);
  const router = new FailoverRouter(registry, { mcpdUrl: `${MCPD}/`, fetch, bearerToken: TOKEN });
  return { router, probes, local };
}

const centralDown = new Error('mcpd answered 502: upstream down');
const failingPrimary = () => Promise.reject(centralDown);

describe('FailoverRouter.run', () => {
  it('returns the primary result without asking mcpd when the primary succeeds', async () => {
    const { router, probes } = setup(200);
    const localCalls: string[] = [];
    const outcome = await router.run('gpt-central', async () => 'central answer', async (provider) => {
      localCalls.push(provider.name);
      return 'local answer';
    });
    expect(outcome).toEqual({ result: 'central answer', failover: false });
    expect(probes).toEqual([]);
    expect(localCalls).toEqual([]);
  });

  it('re-throws the primary error without a probe when nothing stands in for the LLM', async () => {
    const { router, probes } = setup(200, { standIn: false });
    await expect(router.run('gpt-central', failingPrimary, async () => 'local answer')).rejects.toBe(centralDown);
    expect(probes).toEqual([]);
  });

  it.each([200, 204])('serves with the stand-in when mcpd answers the probe %i', async (status) => {
    const { router, probes, local } = setup(status);
    const served: LlmProvider[] = [];
    const outcome = await router.run('gpt-central', failingPrimary, async (provider) => {
      served.push(provider);
      return 'local answer';
    });
    expect(outcome).toEqual({ result: 'local answer', failover: true, via: 'qwen-local' });
    expect(served).toEqual([local]);
    expect(probes).toEqual([{ url: `${MCPD}/api/v1/llms/gpt-central`, method: 'HEAD', headers: { Authorization: `Bearer ${TOKEN}` } }]);
  });

  it.each([401, 403, 404, 500, 503])('fails closed with the primary error when mcpd answers the probe %i', async (status) => {
    const { router, probes } = setup(status);
    const served: string[] = [];
    await expect(
      router.run('gpt-central', failingPrimary, async (provider) => {
        served.push(provider.name);
        return 'local answer';
      }),
    ).rejects.toBe(centralDown);
    expect(probes).toHaveLength(1);
    expect(served).toEqual([]);
  });

  it('fails closed with the primary error when mcpd cannot be reached for the probe', async () => {
    const { router, probes } = setup(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    await expect(router.run('gpt-central', failingPrimary, async () => 'local answer')).rejects.toBe(centralDown);
    expect(probes).toHaveLength(1);
  });

  it("rejects with the stand-in's own error when the allowed local call fails too", async () => {
    const { router } = setup(200);
    const localDown = new Error('local server refused the connection');
    await expect(router.run('gpt-central', failingPrimary, () => Promise.reject(localDown))).rejects.toBe(localDown);
  });

  it('does not fail over when the caller aborted, nor for errors the caller says a stand-in must not cover', async () => {
    const { router, probes } = setup(200);
    const controller = new AbortController();
    controller.abort();
    await expect(router.run('gpt-central', failingPrimary, async () => 'local', { signal: controller.signal })).rejects.toBe(centralDown);
    await expect(router.run('gpt-central', failingPrimary, async () => 'local', { failsOver: () => false })).rejects.toBe(centralDown);
    expect(probes).toEqual([]);
  });
});

describe('FailoverRouter.checkAuth', () => {
  it.each([
    [200, 'allowed'],
    [204, 'allowed'],
    [401, 'forbidden'],
    [403, 'forbidden'],
    [404, 'unreachable'],
    [500, 'unreachable'],
    [502, 'unreachable'],
  ] as const)('maps HEAD %i to %s', async (status, access) => {
    const { router } = setup(status);
    expect(await router.checkAuth('gpt-central')).toBe(access);
  });

  it('answers unreachable on a network error, and on a probe slower than its timeout', async () => {
    expect(await setup(new TypeError('fetch failed')).router.checkAuth('gpt-central')).toBe('unreachable');

    const registry = new ProviderRegistry();
    const hanging = ((_input: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    const router = new FailoverRouter(registry, { mcpdUrl: MCPD, fetch: hanging, bearerToken: TOKEN, probeTimeoutMs: 50 });
    expect(await router.checkAuth('gpt-central')).toBe('unreachable');
  });

  it('sends no Authorization header without a token, so mcpd refuses the probe', async () => {
    const { fetch, probes } = fakeFetch(401);
    const router = new FailoverRouter(new ProviderRegistry(), { mcpdUrl: MCPD, fetch });
    expect(await router.checkAuth('gpt-central')).toBe('forbidden');
    expect(probes[0]?.headers).toEqual({});
  });
});
