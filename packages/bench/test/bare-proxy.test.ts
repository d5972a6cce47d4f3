import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { Agent, request } from 'node:http';
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

  it('keeps nothing per request on a keep-alive connection, and ends the upstream call of a caller that left', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    // One connection for all of them, more requests than MaxListeners' 10.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 15; i += 1) expect(await streamOver(agent, `${proxy.url}/v1/chat/completions`)).toContain('[DONE]');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
      agent.destroy();
    }
    expect(warnings).toEqual([]);

    const slow = await startFakeUpstream({ tokenCount: 50, tokensPerSecond: 20 });
    const slowProxy = await startBareProxy({ upstreamUrl: slow.openaiBaseUrl, model: 'fake-model' });
    try {
      const leaving = new AbortController();
      const response = await fetch(`${slowProxy.url}/v1/chat/completions`, { method: 'POST', body: '{"stream":true,"messages":[{"role":"user","content":"hi"}]}', signal: leaving.signal });
      await response.body?.getReader().read();
      leaving.abort();
      await slow.waitForCancelled(1);
      expect(slow.cancelled).toBe(1);
    } finally {
      await slowProxy.close();
      await slow.close();
    }
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

/** A streamed chat answer's text, over `agent`'s connections. */
function streamOver(agent: Agent, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (answer) => {
      let text = '';
      answer.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      answer.on('end', () => resolve(text));
      answer.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'hi' }] }));
  });
}
