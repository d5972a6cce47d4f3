import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBareProxy, type BareProxy } from '../src/bare-proxy.js';
import { checkPathsAgree } from '../src/check-paths.js';

let upstream: FakeUpstream;
let proxy: BareProxy;

beforeAll(async () => {
  upstream = await startFakeUpstream({ tokenCount: 5 });
  proxy = await startBareProxy({ upstreamUrl: upstream.openaiBaseUrl, model: 'fake-model' });
});

afterAll(async () => {
  await proxy?.close();
  await upstream?.close();
});

describe('startBareProxy', () => {
  it('answers exactly what the upstream answers, streamed or not, under the upstream model name', async () => {
    const checked = await checkPathsAgree([
      { name: 'direct', url: `${upstream.openaiBaseUrl}/chat/completions`, model: 'fake-model', headers: {}, pids: [], gatewayPids: [] },
      { name: 'bare-proxy', url: `${proxy.url}/v1/chat/completions`, model: 'bench', headers: {}, pids: [], gatewayPids: [] },
    ]);
    // The role frame, one chunk per token of the five, the finish frame: what a gateway's CPU per chunk is charged by.
    expect(checked.map((path) => path.streamedChunks)).toEqual([7, 7]);
    const forwarded = upstream.requests.filter((request) => request.path === '/v1/chat/completions');
    expect(forwarded.length).toBeGreaterThanOrEqual(4);
    expect(forwarded.every((request) => (request.body as { model?: string }).model === 'fake-model')).toBe(true);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', body: 'not json' });
    expect(response.status).toBe(400);
  });

  it('answers 502 when the upstream is gone', async () => {
    const gone = await startFakeUpstream();
    const orphan = await startBareProxy({ upstreamUrl: gone.openaiBaseUrl, model: 'fake-model' });
    await gone.close();
    try {
      const response = await fetch(`${orphan.url}/v1/chat/completions`, { method: 'POST', body: '{"messages":[]}' });
      expect(response.status).toBe(502);
    } finally {
      await orphan.close();
    }
  });
});
