import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_TOKENS,
  makeTempDir,
  managedFakeUpstreamEntry,
  parseLogLine,
  spawnMcpd,
  spawnMcplocal,
  startFakeUpstream,
  type SpawnedMcpd,
  type SpawnedMcplocal,
  type TempDir,
  writeMcplocalHome,
} from '@mcpctl/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const ANSWER = DEFAULT_TOKENS.join('');
const HI = [{ role: 'user', content: 'Hi' }];

/*
 * Type `managed` end to end: the real mcpd, the real mcplocal, and the test kit's fake upstream as
 * the model server mcplocal runs as its child, on a port of its own.
 */
describe('managed model servers end to end', () => {
  let dataDir: TempDir;
  let mcpd: SpawnedMcpd;
  const homes: TempDir[] = [];
  const daemons: SpawnedMcplocal[] = [];

  beforeAll(async () => {
    dataDir = await makeTempDir('managed-mcpd-');
    mcpd = await spawnMcpd({ dataDir: dataDir.path, env: { MCPD_WAKE_NOTICE_SECONDS: '0.2', MCPD_WAKE_MARGIN_SECONDS: '1' } });
  });

  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((daemon) => daemon.stop()));
    await Promise.all(homes.splice(0).map((home) => home.cleanup()));
  });

  afterAll(async () => {
    await mcpd?.stop();
    await dataDir?.cleanup();
  });

  const api = async (path: string, init: { method?: string; json?: unknown; token?: string } = {}) =>
    fetch(`${mcpd.url}${path}`, {
      method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${init.token ?? mcpd.adminToken}`, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
  const infer = (name: string, stream = false) => api(`/api/v1/llms/${name}/infer`, { json: { messages: HI, stream } });
  const view = async (name: string) => (await (await api(`/api/v1/llms/${name}`)).json()) as Record<string, unknown>;

  const managed = managedFakeUpstreamEntry;

  async function start(providers: Array<Record<string, unknown>>, options: { token?: string; home?: TempDir; readyMessage?: string } = {}) {
    const home = options.home ?? (await makeTempDir('managed-home-'));
    if (!options.home) homes.push(home);
    await writeMcplocalHome(home.path, { providers }, { mcpdUrl: mcpd.url, token: options.token ?? mcpd.adminToken });
    const daemon = await spawnMcplocal({ home: home.path, ...(options.readyMessage ? { readyMessage: options.readyMessage } : {}) });
    daemons.push(daemon);
    return { daemon, home };
  }

  const pidOf = (home: TempDir, name: string): number | undefined => {
    // Read, not looked for first: mcplocal removes the file when the server stops, which a
    // sampling timer may race (an exists-then-read failed CI once with ENOENT).
    try {
      return (JSON.parse(readFileSync(join(home.path, 'run', `${name}.pid`), 'utf8')) as { pid: number }).pid;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  const serverLog = (home: TempDir, name: string) => readFileSync(join(home.path, 'logs', `${name}.log`), 'utf8');

  it('publishes hibernating with nothing running; a request through mcpd starts it; idle, it stops and the row hibernates; asked again, it starts again', async () => {
    const { home, daemon } = await start([await managed('e2e-qwen', { publish: true, idleTimeoutSeconds: 3 }, ['--start-delay-ms', '300'])]);
    expect(await view('e2e-qwen')).toMatchObject({ status: 'hibernating', wakeRecipe: 'command' });
    expect(pidOf(home, 'e2e-qwen')).toBeUndefined();

    const responses = await Promise.all(Array.from({ length: 5 }, () => infer('e2e-qwen')));
    expect(responses.map((response) => response.status)).toEqual(Array(5).fill(200));
    expect(((await responses[0]!.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe(ANSWER);
    const pid = pidOf(home, 'e2e-qwen');
    expect(alive(pid)).toBe(true);
    const woken = await view('e2e-qwen');
    expect(woken).toMatchObject({ status: 'active', lastWakeMs: expect.any(Number) });
    expect(woken.lastWakeMs as number).toBeGreaterThanOrEqual(300);
    expect(serverLog(home, 'e2e-qwen').match(/starting \(wake\)/g)).toHaveLength(1);

    await until('the idle stop to reach mcpd', async () => (await view('e2e-qwen')).status === 'hibernating');
    expect(alive(pid)).toBe(false);
    expect(serverLog(home, 'e2e-qwen')).toMatch(/stopped \(idle\)/);
    expect(daemon.output()).toContain('e2e-qwen: stopping the managed server (idle)');

    const again = await infer('e2e-qwen', true);
    const text = await again.text();
    expect(text).toContain('data: [DONE]');
    expect(pidOf(home, 'e2e-qwen')).not.toBe(pid);
    expect((await view('e2e-qwen')).status).toBe('active');
  });

  it('runs two models of one group one at a time while both are asked for, a waiting streaming caller shown the waking notice', async () => {
    const group = { publish: true, group: 'gpu0', idleTimeoutSeconds: 60 };
    const { home } = await start([
      await managed('e2e-small', group, ['--start-delay-ms', '300', '--latency-ms', '100']),
      await managed('e2e-large', group, ['--start-delay-ms', '300', '--latency-ms', '100']),
    ]);
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, ['e2e-small', 'e2e-large'].filter((name) => pidOf(home, name) !== undefined).length);
    }, 5);
    try {
      expect((await infer('e2e-small')).status).toBe(200);
      const streamed = infer('e2e-large', true).then((response) => response.text());
      const asked = await Promise.all(Array.from({ length: 6 }, (_, index) => infer(index % 2 === 0 ? 'e2e-small' : 'e2e-large')));
      expect(asked.map((response) => response.status)).toEqual(Array(6).fill(200));
      const text = await streamed;
      expect(text).toMatch(/^: waking e2e-large \ds\n\n/);
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBe(1);
    const logs = serverLog(home, 'e2e-small') + serverLog(home, 'e2e-large');
    expect(logs).toMatch(/stopping \(swap\)/);
    // Only one of the two answers now: the other's row goes back to hibernating.
    const statuses = async () => [(await view('e2e-small')).status, (await view('e2e-large')).status].sort().join();
    await until('one row active, the other hibernating', async () => (await statuses()) === 'active,hibernating');
  });

  it('refuses with 503 and Retry-After once the server crashed three times within a minute, naming no local path', async () => {
    const { home } = await start([await managed('e2e-crashy', { publish: true }, ['--crash-after-ms', '0'])]);
    const answers: Array<{ status: number; error: string; retryAfter: string | null }> = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const response = await infer('e2e-crashy');
      answers.push({ status: response.status, retryAfter: response.headers.get('retry-after'), ...((await response.json()) as { error: string }) });
    }
    expect(answers.map((answer) => answer.status)).toEqual([503, 503, 503, 503]);
    expect(answers.every((answer) => answer.retryAfter !== null)).toBe(true);
    expect(answers[0]?.error).toMatch(/^waking e2e-crashy failed: e2e-crashy's model server exited while starting \(exit code 1\)/);
    // A failed wake: an SDK retrying by itself waits, rather than loading the model again at once
    // (a caller who asks anyway still starts it again, until it has crashed too often).
    expect(answers[0]?.retryAfter).toBe('30');
    expect(answers[3]?.error).toMatch(/e2e-crashy's model server keeps crashing \(3 times within a minute\); mcplocal starts it again in \d+ s$/);
    // The wait mcplocal knows, not mcpd's guess for a failed wake.
    expect(answers[3]?.retryAfter).toBe(/in (\d+) s$/.exec(answers[3]?.error ?? '')?.[1]);
    for (const answer of answers) expect(answer.error).not.toContain(home.path);
    expect((await view('e2e-crashy')).status).toBe('hibernating');
  });

  it('leaves no server behind when mcplocal stops, and stops the one a killed mcplocal left at the next start', async () => {
    const entry = await managed('e2e-orphan', { publish: true });
    const { home, daemon } = await start([entry]);
    expect((await infer('e2e-orphan')).status).toBe(200);
    const first = pidOf(home, 'e2e-orphan');
    expect(alive(first)).toBe(true);
    await daemon.stop();
    expect(daemon.process.exitCode).toBe(0);
    expect(alive(first)).toBe(false);
    expect(daemon.output()).toContain('e2e-orphan: stopping the managed server (shutdown)');
    // The server's log ends with the stop, written out before mcplocal exited.
    expect(serverLog(home, 'e2e-orphan')).toMatch(/mcplocal: stopped \(shutdown\)\n$/);

    const restarted = await start([entry], { home });
    expect((await infer('e2e-orphan')).status).toBe(200);
    const second = pidOf(home, 'e2e-orphan');
    expect(alive(second)).toBe(true);
    await restarted.daemon.stop('SIGKILL');
    // Its own process group: the server outlives a mcplocal killed outright, holding port and GPU.
    expect(alive(second)).toBe(true);

    const next = await start([entry], { home });
    expect(alive(second)).toBe(false);
    expect(next.daemon.output()).toContain(`stopped e2e-orphan (pid ${String(second)}), a managed server an earlier mcplocal left running`);
    expect(readdirSync(join(home.path, 'run')).filter((file) => file.endsWith('.pid'))).toEqual([]);
    expect((await view('e2e-orphan')).status).toBe('hibernating');
  });

  it('stops its servers on a hangup (the terminal it ran in closed), as on SIGTERM', async () => {
    const { home, daemon } = await start([await managed('e2e-hangup', { publish: true })]);
    expect((await infer('e2e-hangup')).status).toBe(200);
    const pid = pidOf(home, 'e2e-hangup');
    expect(alive(pid)).toBe(true);
    await daemon.stop('SIGHUP');
    // Ended by the hangup itself, after its stop, as a process without a handler would have been.
    expect(daemon.process.signalCode).toBe('SIGHUP');
    expect(alive(pid)).toBe(false);
    expect(daemon.output()).toContain('e2e-hangup: stopping the managed server (shutdown)');
    expect(readdirSync(join(home.path, 'run')).filter((file) => file.endsWith('.pid'))).toEqual([]);
  });

  it('stands in for an unreachable central LLM: the failover starts the managed server and answers, and is refused once access is revoked', async () => {
    const central = await startFakeUpstream({ tokens: ['central'] });
    const centralName = 'e2e-team-llm';
    expect((await api('/api/v1/llms', { json: { name: centralName, type: 'openai', model: 'fake-model', url: central.openaiBaseUrl, visibility: 'public' } })).status).toBe(201);
    expect((await api('/api/v1/users', { json: { name: 'dora', role: null } })).status).toBe(201);
    const token = ((await (await api('/api/v1/tokens', { json: { user: 'dora', name: 'laptop' } })).json()) as { token: string }).token;
    const binding = { name: 'dora-team-llm', subjectKind: 'user', subjectName: 'dora', permissions: ['view:llms', 'run:llms'], resourceNames: [centralName] };
    expect((await api('/api/v1/rolebindings', { json: binding })).status).toBe(201);
    await central.close();

    const { home, daemon } = await start([await managed('laptop-qwen', { failoverFor: centralName, idleTimeoutSeconds: 1 })], {
      token,
      readyMessage: 'local endpoint listening',
    });
    const endpoint = String(
      daemon
        .output()
        .split('\n')
        .map((line) => parseLogLine(line))
        .find((record) => record?.msg === 'local endpoint listening')?.url,
    );
    const ask = () =>
      fetch(`${endpoint}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: centralName, messages: HI }),
      });
    expect(pidOf(home, 'laptop-qwen')).toBeUndefined();

    const served = await ask();
    expect(served.status).toBe(200);
    expect(served.headers.get('x-mcpctl-served-by')).toBe('laptop-qwen');
    const completion = (await served.json()) as { model: string; choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0]?.message.content).toBe(ANSWER);
    expect(completion.model).toBe(centralName);
    expect(serverLog(home, 'laptop-qwen').match(/starting \(request\)/g)).toHaveLength(1);
    await until('the idle stop', () => Promise.resolve(pidOf(home, 'laptop-qwen') === undefined));

    expect((await api('/api/v1/rolebindings/dora-team-llm', { method: 'DELETE' })).status).toBe(204);
    const refused = await ask();
    expect(refused.status).toBe(404);
    expect(pidOf(home, 'laptop-qwen')).toBeUndefined();
    expect(serverLog(home, 'laptop-qwen').match(/starting \(request\)/g)).toHaveLength(1);
  });
});

/** The process runs (a zombie awaiting its parent counts as gone). */
function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const giveUpAt = performance.now() + 15_000;
  while (!(await check())) {
    if (performance.now() > giveUpAt) throw new Error(`still waiting after 15 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
