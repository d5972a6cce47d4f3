import {
  makeTempDir,
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

const TOKENS = ['Back', ' after', ' the', ' restart', '.'];

/* Real mcpd and mcplocal processes: what a caller sees right after mcpd restarts. */
describe('mcpd restarts', () => {
  let dataDir: TempDir;
  let home: TempDir;
  let upstream: FakeUpstream;
  let mcpd: SpawnedMcpd;
  let mcplocal: SpawnedMcplocal | undefined;

  beforeEach(async () => {
    [dataDir, home, upstream] = await Promise.all([makeTempDir('restart-mcpd-'), makeTempDir('restart-home-'), startFakeUpstream({ tokens: TOKENS })]);
    mcpd = await spawnMcpd({ dataDir: dataDir.path });
    await writeMcplocalHome(
      home.path,
      { providers: [{ name: 'qwen-local', type: 'openai', url: upstream.openaiBaseUrl, model: 'fake-model', publish: true }] },
      { mcpdUrl: mcpd.url, token: mcpd.adminToken },
    );
    mcplocal = await spawnMcplocal({ home: home.path });
  });

  afterEach(async () => {
    await mcplocal?.stop('SIGKILL');
    await mcpd.stop('SIGKILL');
    await upstream.close();
    await Promise.all([dataDir.cleanup(), home.cleanup()]);
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${mcpd.url}${path}`, { ...init, headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json', ...Object.fromEntries(new Headers(init.headers)) } });
  const status = async () => ((await (await api('/api/v1/llms/qwen-local')).json()) as { status: string }).status;
  const ask = () => api('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'qwen-local', messages: [{ role: 'user', content: 'Hi' }] }) });
  const restartMcpd = async () => {
    mcpd = await spawnMcpd({ dataDir: dataDir.path, port: mcpd.port, adminToken: mcpd.adminToken });
  };
  const expectAnswered = async (response: Response) => {
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toBe(TOKENS.join(''));
  };

  it('after a crash, rows without a publisher read inactive, and a request sent at once is answered when the publisher is back', async () => {
    expect(await status()).toBe('active');
    // Both die without a word: nothing marked the row inactive in the database.
    await mcpd.stop('SIGKILL');
    await mcplocal!.stop('SIGKILL');
    mcplocal = undefined;
    await restartMcpd();
    expect(await status()).toBe('inactive');

    const answer = ask();
    mcplocal = await spawnMcplocal({ home: home.path });
    await expectAnswered(await answer);
    expect(await status()).toBe('active');
  });

  it('after a graceful restart, a request sent at once waits for mcplocal to reconnect by itself', async () => {
    await mcpd.stop('SIGTERM');
    await restartMcpd();
    const answer = ask();
    await expectAnswered(await answer);
    expect(await status()).toBe('active');
  });
});
