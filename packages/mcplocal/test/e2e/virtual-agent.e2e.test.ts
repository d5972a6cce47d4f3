import { makeTempDir, spawnMcpd, spawnMcplocal, startFakeUpstream, type FakeUpstream, type SpawnedMcpd, type SpawnedMcplocal, type TempDir, writeMcplocalHome } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/* A workstation publishes an agent beside its model; the agent lives and dies with the publisher. */
describe('a virtual agent end to end', () => {
  let dataDir: TempDir;
  let home: TempDir;
  let upstream: FakeUpstream;
  let mcpd: SpawnedMcpd;
  let mcplocal: SpawnedMcplocal;

  beforeEach(async () => {
    [dataDir, home, upstream] = await Promise.all([makeTempDir('agent-mcpd-'), makeTempDir('agent-home-'), startFakeUpstream({ echo: true })]);
    // Short lifecycle durations so the deletion after the publisher leaves is seen in seconds.
    mcpd = await spawnMcpd({
      dataDir: dataDir.path,
      env: { MCPD_HEARTBEAT_TIMEOUT_SECONDS: '60', MCPD_INACTIVE_RETENTION_SECONDS: '1', MCPD_GC_INTERVAL_SECONDS: '0.5' },
    });
    const config = {
      providers: [{ name: 'desk', type: 'openai', url: upstream.openaiBaseUrl, model: 'm', publish: true }],
      agents: [{ name: 'reviewer', llmName: 'desk', systemPrompt: 'Review the code.', defaultParams: { temperature: 0.1 } }],
    };
    await writeMcplocalHome(home.path, config, { mcpdUrl: mcpd.url, token: mcpd.adminToken });
    mcplocal = await spawnMcplocal({ home: home.path });
  });

  afterEach(async () => {
    await mcplocal.stop('SIGKILL');
    await mcpd.stop();
    await upstream.close();
    await Promise.all([dataDir.cleanup(), home.cleanup()]);
  });

  const api = (path: string, body?: unknown) =>
    fetch(`${mcpd.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('appears with its publisher, answers with its system prompt, and disappears after it', async () => {
    expect(await (await api('/api/v1/agents/reviewer')).json()).toMatchObject({ kind: 'virtual', status: 'active', llm: 'desk', visibility: 'private' });
    const answer = await api('/v1/chat/completions', { model: 'reviewer', messages: [{ role: 'user', content: 'x = 1' }] });
    const content = ((await answer.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
    expect(content).toMatch(/^system: Review the code\.\nuser: x = 1/);
    expect((upstream.requests.at(-1)!.body as { temperature: number }).temperature).toBe(0.1);

    await mcplocal.stop('SIGTERM');
    await expect.poll(async () => (await api('/api/v1/agents/reviewer')).status, { timeout: 10_000, interval: 200 }).toBe(404);
    expect((await api('/api/v1/llms/desk')).status).toBe(404);
  });
});
