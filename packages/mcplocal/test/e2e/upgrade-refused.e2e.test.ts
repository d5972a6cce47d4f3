import OpenAI from 'openai';
import {
  makeTempDir,
  readChatStream,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type FakeUpstream,
  type SpawnedMcpd,
  type SpawnedMcplocal,
  type TempDir,
  writeMcplocalHome,
} from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpgradeRefusingProxy } from '../support/upgrade-refusing-proxy.js';

const TOKENS = ['Served', ' over', ' SSE', ' and', ' POST', '.'];

/*
 * A real mcpd behind a reverse proxy that passes plain HTTP but refuses WebSocket upgrades (nginx
 * without the Upgrade headers, a gateway that does not speak WebSocket), and a real mcplocal that
 * reaches mcpd only through it, asking for no transport in particular: it says once that it falls
 * back, publishes over SSE + POST, and serves.
 */
describe('an mcplocal whose proxy refuses the provider socket', () => {
  let dataDir: TempDir;
  let home: TempDir;
  let upstream: FakeUpstream;
  let mcpd: SpawnedMcpd;
  let proxy: UpgradeRefusingProxy;
  let mcplocal: SpawnedMcplocal | undefined;

  beforeEach(async () => {
    [dataDir, home, upstream] = await Promise.all([makeTempDir('e2e-mcpd-'), makeTempDir('e2e-home-'), startFakeUpstream({ tokens: TOKENS })]);
    mcpd = await spawnMcpd({ dataDir: dataDir.path });
    proxy = await UpgradeRefusingProxy.start(mcpd.url, 502);
    await writeMcplocalHome(
      home.path,
      { providers: [{ name: 'behind-proxy', type: 'openai', url: upstream.openaiBaseUrl, model: 'fake-model', publish: true }] },
      { mcpdUrl: proxy.url, token: mcpd.adminToken },
    );
    mcplocal = await spawnMcplocal({ home: home.path });
  });

  afterEach(async () => {
    await mcplocal?.stop('SIGKILL');
    await proxy.close();
    await mcpd.stop();
    await upstream.close();
    await Promise.all([dataDir.cleanup(), home.cleanup()]);
  });

  it('falls back to SSE + POST with one warning line, shows the transport in mcpd, and answers through the stock openai client', async () => {
    const view = (await (await fetch(`${mcpd.url}/api/v1/llms/behind-proxy`, { headers: { authorization: `Bearer ${mcpd.adminToken}` } })).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ status: 'active', providerSession: { connected: true, transport: 'sse' } });
    expect(proxy.refusedUpgrades).toBeGreaterThanOrEqual(1);
    const fallbacks = mcplocal!
      .output()
      .split('\n')
      .filter((line) => line.includes('falling back to SSE + POST'));
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]).toMatch(/the provider socket did not come up \(.*502.*\)/);

    const client = new OpenAI({ baseURL: `${mcpd.url}/v1`, apiKey: mcpd.adminToken, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'behind-proxy', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0]?.message.content).toBe(TOKENS.join(''));
    const started = performance.now();
    const stream = await client.chat.completions.create({ model: 'behind-proxy', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const read = await readChatStream(stream, started);
    expect(read.text).toBe(TOKENS.join(''));
    expect(read.finishReasons).toEqual(['stop']);
  });
});
