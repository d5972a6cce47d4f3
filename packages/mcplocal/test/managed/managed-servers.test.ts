import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { systemClock } from '@mcpctl/clock';
import { providerEntrySchema, type ProviderEntry } from '@mcpctl/protocol';
import { DEFAULT_TOKENS, FAKE_UPSTREAM_MAIN, freePort, makeTempDir, managedFakeUpstreamEntry, startFakeUpstream, type TempDir } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { ManagedProvider } from '../../src/managed/managed-provider.js';
import { ManagedServers } from '../../src/managed/managed-servers.js';
import { processStartTime } from '../../src/managed/pid-file.js';
import { createProvider } from '../../src/providers/create-provider.js';
import { ProviderRegistry } from '../../src/failover/provider-registry.js';
import { startLocalEndpoint } from '../../src/local-endpoint/local-endpoint.js';

/*
 * Type `managed` (issue 15): mcplocal runs the test kit's fake upstream as a real child process,
 * on a port of its own, and starts, stops and swaps it as it would vLLM or llama-server.
 */
describe('managed model servers', () => {
  let home: TempDir;
  let servers: ManagedServers;
  const lines: string[] = [];
  const log = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };

  beforeEach(async () => {
    home = await makeTempDir('mcplocal-managed-');
    lines.length = 0;
    servers = new ManagedServers({ home: home.path, clock: systemClock, log, killGraceMs: 2_000, pollInitialDelayMs: 25 });
  });

  afterEach(async () => {
    await servers.stopAll();
    await home.cleanup();
  });

  /** A managed entry running the fake upstream on a free port; `extra` goes to its command line. */
  const managed = async (name: string, options: Partial<ProviderEntry> = {}, extra: string[] = []): Promise<ManagedProvider> => {
    const entry = providerEntrySchema.parse(await managedFakeUpstreamEntry(name, { idleTimeoutSeconds: 60, ...options }, extra));
    const provider = createProvider(entry, {}, systemClock, servers);
    if (!(provider instanceof ManagedProvider)) throw new Error(`createProvider made ${provider.constructor.name} for a managed entry`);
    return provider;
  };
  const ask = async (provider: ManagedProvider, signal?: AbortSignal) => (await provider.complete({ messages: [{ role: 'user', content: 'Hi' }], signal })).content;
  const pidOf = (name: string): number | undefined => {
    const path = join(servers.runDir, `${name}.pid`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid : undefined;
  };
  const serverLog = (name: string) => readFileSync(join(home.path, 'logs', `${name}.log`), 'utf8');
  const alive = async (pid: number | undefined) => pid !== undefined && (await processStartTime(pid)) !== undefined && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');

  it('runs nothing until asked; the first request starts the server and is answered; idle, it stops; asked again, it starts again', async () => {
    const provider = await managed('qwen', { idleTimeoutSeconds: 1 }, ['--start-delay-ms', '300']);
    expect(provider.server.state).toBe('stopped');
    expect(await provider.isAvailable()).toBe(false);
    expect(pidOf('qwen')).toBeUndefined();

    expect(await ask(provider)).toBe(DEFAULT_TOKENS.join(''));
    // Held while it is looked at, so a loaded machine cannot let it idle meanwhile.
    const release = await provider.server.lease(new AbortController().signal);
    const pid = pidOf('qwen');
    expect(await alive(pid)).toBe(true);
    expect(provider.server.lastStartMs).toBeGreaterThanOrEqual(300);
    expect(await provider.isAvailable()).toBe(true);
    release();

    await until('the idle stop', () => provider.server.state === 'stopped');
    expect(await alive(pid)).toBe(false);
    expect(pidOf('qwen')).toBeUndefined();
    expect(serverLog('qwen')).toMatch(/mcplocal: starting \(request\): .*\n[\s\S]*mcplocal: serving after \d+ ms\n[\s\S]*mcplocal: stopping \(idle\)\n[\s\S]*mcplocal: stopped \(idle\)/);

    expect(await ask(provider)).toBe(DEFAULT_TOKENS.join(''));
    expect(pidOf('qwen')).not.toBe(pid);
  });

  it('starts once for requests that arrive together, and stays up while any of them runs', async () => {
    const provider = await managed('qwen', { idleTimeoutSeconds: 0.2 }, ['--start-delay-ms', '200', '--latency-ms', '400']);
    const answers = await Promise.all([ask(provider), ask(provider), ask(provider)]);
    expect(answers).toEqual(Array(3).fill(DEFAULT_TOKENS.join('')));
    expect(serverLog('qwen').match(/starting \(request\)/g)).toHaveLength(1);
  });

  it('starts a server that was killed again on the next request', async () => {
    const provider = await managed('qwen');
    await ask(provider);
    const pid = pidOf('qwen')!;
    process.kill(pid, 'SIGKILL');
    await until('the crash noticed', () => provider.server.state === 'stopped');
    expect(lines.some((line) => line.includes('qwen: the managed server exited on its own (signal SIGKILL)'))).toBe(true);
    expect(await ask(provider)).toBe(DEFAULT_TOKENS.join(''));
    expect(pidOf('qwen')).not.toBe(pid);
  });

  it('refuses requests with 503 once the server crashed three times within a minute', async () => {
    const provider = await managed('crashy', {}, ['--crash-after-ms', '0']);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const failure = await ask(provider).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProviderError);
    }
    const refused = await ask(provider).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 503, message: expect.stringMatching(/^crashy's model server keeps crashing \(3 times within a minute\); mcplocal starts it again in \d+/) });
    expect(serverLog('crashy')).toContain('crashing as asked');
    // Closed right after a crash, nothing is left in the run directory, nor written into it later.
    await servers.stopAll();
    expect(existsSync(servers.runDir) ? readdirSync(servers.runDir) : []).toEqual([]);
  });

  it('answers a local caller 503 with Retry-After and the end of the server log while it keeps crashing', async () => {
    const provider = await managed('crashy', {}, ['--crash-after-ms', '0']);
    const registry = new ProviderRegistry();
    registry.register(provider);
    const endpoint = await startLocalEndpoint({ registry, requireToken: false, port: 0, log });
    try {
      const ask = () =>
        fetch(`${endpoint.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'crashy', messages: [{ role: 'user', content: 'Hi' }] }),
        });
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const failed = await ask();
        expect(failed.status).toBe(503);
        // A failed wake: a client that retries by itself waits rather than loading the model again at once.
        expect(failed.headers.get('retry-after')).toBe('30');
        expect(((await failed.json()) as { error: string }).error).toMatch(/^crashy's model server exited while starting \(exit code 1\)$/);
      }
      const refused = await ask();
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(50);
      const body = (await refused.json()) as { error: string; log: string };
      expect(body.error).toMatch(/^crashy's model server keeps crashing/);
      expect(body.log).toContain(join(home.path, 'logs', 'crashy.log'));
      expect(body.log).toContain('fake-upstream: crashing as asked (--crash-after-ms)');
    } finally {
      await endpoint.close();
    }
  });

  it('tells a streaming caller of the local endpoint `: waking` while the server starts; one that exits at once is a plain 503', async () => {
    const slow = await managed('slow', {}, ['--start-delay-ms', '900']);
    const crashy = await managed('crashy', {}, ['--crash-after-ms', '0']);
    const registry = new ProviderRegistry();
    registry.register(slow);
    registry.register(crashy);
    const endpoint = await startLocalEndpoint({ registry, requireToken: false, port: 0, log, wakeCommentIntervalMs: 200 });
    try {
      const stream = async (model: string) => {
        const response = await fetch(`${endpoint.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
        });
        return { status: response.status, retryAfter: response.headers.get('retry-after'), text: await response.text() };
      };
      const started = await stream('slow');
      expect(started.status).toBe(200);
      const firstData = started.text.indexOf('data: ');
      expect(started.text.slice(0, firstData)).toMatch(/^: waking slow 0s\n\n(: waking slow \ds\n\n)+$/);
      expect(started.text).toContain('data: [DONE]');
      // Serving now: the next stream starts with its answer.
      expect((await stream('slow')).text.startsWith('data: ')).toBe(true);

    } finally {
      await endpoint.close();
    }
    // Exited before the first comment was due (a comment a minute here, whatever the machine's
    // speed): the head is still unsent, so the caller gets a plain 503.
    const quiet = await startLocalEndpoint({ registry, requireToken: false, port: 0, log, wakeCommentIntervalMs: 60_000 });
    try {
      const response = await fetch(`${quiet.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'crashy', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect({ status: response.status, retryAfter: response.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: '30' });
      expect(await response.text()).toContain("crashy's model server exited while starting (exit code 1)");
    } finally {
      await quiet.close();
    }
  });

  it('fails a start that outlasts startupTimeoutSeconds with 503, and leaves no process behind', async () => {
    const provider = await managed('slow', { startupTimeoutSeconds: 0.3 }, ['--start-delay-ms', '5000']);
    const failure = await ask(provider).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 503, message: "slow's model server did not answer within 0.3 s of its start" });
    expect(provider.server.state).toBe('stopped');
    expect(pidOf('slow')).toBeUndefined();
    // Its log says why it stopped, and not that mcplocal was shutting down.
    await until('the log to say it stopped', () => /gave up starting: not answering after 0\.3 s\n.*mcplocal: stopped\n/.test(serverLog('slow')));
    expect(serverLog('slow')).not.toContain('(shutdown)');
  });

  it('runs the members of one group one at a time while both are asked for, each answering', async () => {
    const first = await managed('first', { group: 'gpu' }, ['--latency-ms', '50']);
    const second = await managed('second', { group: 'gpu' }, ['--latency-ms', '50']);
    let most = 0;
    const sampler = setInterval(() => {
      const running = [first, second].filter((provider) => provider.server.state !== 'stopped').length;
      most = Math.max(most, running);
    }, 2);
    try {
      const asked = Array.from({ length: 8 }, (_, index) => ask(index % 2 === 0 ? first : second));
      expect(await Promise.all(asked)).toEqual(Array(8).fill(DEFAULT_TOKENS.join('')));
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBe(1);
    expect(serverLog('first')).toMatch(/stopping \(swap\)/);
  });

  it('keeps a server a wake started for the callers it was woken for, before a swap stops it', async () => {
    const first = await managed('first', { group: 'gpu' });
    const second = await managed('second', { group: 'gpu' });
    await first.server.start('wake', new AbortController().signal);
    // A request for the other member arrives before the woken callers do: it waits its turn.
    const other = ask(second);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(first.server.state).toBe('running');
    expect(second.server.state).toBe('stopped');
    // The woken callers, a round trip later: served by the server their wake started.
    expect(await Promise.all([ask(first), ask(first)])).toEqual([DEFAULT_TOKENS.join(''), DEFAULT_TOKENS.join('')]);
    expect(serverLog('first').match(/starting \(/g)).toHaveLength(1);
    expect(await other).toBe(DEFAULT_TOKENS.join(''));
    expect(first.server.state).toBe('stopped');
  });

  it('keeps a woken member up for its callers when a request for the other member queued during the wake', async () => {
    const alpha = await managed('alpha', { group: 'gpu' });
    const beta = await managed('beta', { group: 'gpu' }, ['--start-delay-ms', '300']);
    await ask(alpha);
    const woken = beta.server.start('wake', new AbortController().signal);
    await until('the wake under way', () => beta.server.state === 'starting');
    // The other member's request takes the next turn, which would stop beta the moment it serves.
    const alphaAgain = ask(alpha);
    await woken;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(beta.server.state).toBe('running');
    expect(await ask(beta)).toBe(DEFAULT_TOKENS.join(''));
    expect(await alphaAgain).toBe(DEFAULT_TOKENS.join(''));
    expect(serverLog('beta').match(/starting \(/g)).toHaveLength(1);
  });

  it('gives up a start under way at once when mcplocal stops, refusing its callers with 503', async () => {
    const provider = await managed('loading', {}, ['--start-delay-ms', '20000']);
    const waiting = ask(provider).catch((error: unknown) => error);
    await until('the start under way', () => pidOf('loading') !== undefined);
    const pid = pidOf('loading');
    const startedAt = performance.now();
    await servers.stopAll();
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    expect(await waiting).toMatchObject({ status: 503, message: 'loading: mcplocal is stopping' });
    expect(await alive(pid)).toBe(false);
    // Read at once: the stop has written the log's last line out before it returned.
    expect(serverLog('loading')).toMatch(/gave up starting: mcplocal is stopping\n.*stopped \(shutdown\)\n$/);
  });

  it('stops what the server started too, when it ignores SIGTERM', async () => {
    const port = await freePort();
    const workerPidFile = join(home.path, 'worker.pid');
    // A worker that outlives SIGTERM, as a stuck vLLM engine process does.
    const script = `(trap '' TERM; exec sleep 600) & echo $! > ${workerPidFile}; exec "${process.execPath}" ${FAKE_UPSTREAM_MAIN} --port ${port}`;
    const entry = providerEntrySchema.parse({ name: 'sigterm-deaf', type: 'managed', url: `http://127.0.0.1:${port}`, model: 'fake-model', command: 'sh', args: ['-c', script] });
    const provider = createProvider(entry, {}, systemClock, servers);
    await provider.complete({ messages: [{ role: 'user', content: 'Hi' }] });
    const worker = Number(readFileSync(workerPidFile, 'utf8'));
    expect(await alive(worker)).toBe(true);
    await servers.stopAll();
    await until('the worker gone', () => !existsSync(`/proc/${worker}`) || readFileSync(`/proc/${worker}/stat`, 'utf8').includes(') Z'));
    // The stop took the whole grace: the log says why.
    expect(lines).toContain('sigterm-deaf: the managed server did not exit within 2 s of SIGTERM; killed it');
    expect(serverLog('sigterm-deaf')).toMatch(/did not exit within 2 s of SIGTERM: killed\n/);
  });

  it('refuses to start a server whose port another program answers on', async () => {
    const squatter = await startFakeUpstream({ tokens: ['not', ' mine'] });
    const entry = providerEntrySchema.parse({ name: 'late', type: 'managed', url: squatter.url, model: 'fake-model', command: process.execPath, args: [FAKE_UPSTREAM_MAIN] });
    try {
      const failure = await createProvider(entry, {}, systemClock, servers).complete({ messages: [{ role: 'user', content: 'Hi' }] }).catch((error: unknown) => error);
      const { port } = new URL(squatter.url);
      expect(failure).toMatchObject({ status: 503, message: `late: something else already listens on its port, at 127.0.0.1:${port}; stop that program, or give late another port in its url` });
      // Never asked.
      expect(squatter.requests).toHaveLength(0);
    } finally {
      await squatter.close();
    }
  });

  it('refuses to start a server on a port held by a program that is no model server, which the server would die of', async () => {
    const squatter = createNetServer((socket) => socket.end());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    const entry = providerEntrySchema.parse({ name: 'taken', type: 'managed', url: `http://127.0.0.1:${port}/v1`, model: 'fake-model', command: process.execPath, args: [FAKE_UPSTREAM_MAIN] });
    try {
      const failure = await createProvider(entry, {}, systemClock, servers).complete({ messages: [{ role: 'user', content: 'Hi' }] }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ status: 503, message: `taken: something else already listens on its port, at 127.0.0.1:${port}; stop that program, or give taken another port in its url` });
      expect(pidOf('taken')).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  it('starts nothing once stopping: a turn queued behind a drain is refused, and the running server stops', async () => {
    const first = await managed('first', { group: 'gpu' }, ['--latency-ms', '500']);
    const second = await managed('second', { group: 'gpu' });
    const running = ask(first).catch((error: unknown) => error);
    await until('the first serving', () => first.server.leases === 1);
    const queued = ask(second).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await servers.stopAll();
    expect(await queued).toMatchObject({ status: 503, message: 'second: mcplocal is stopping' });
    await running;
    expect([first.server.state, second.server.state]).toEqual(['stopped', 'stopped']);
    expect(existsSync(join(home.path, 'logs', 'second.log'))).toBe(false);
  });

  it('leaves the servers of another mcplocal still running on the same home alone', async () => {
    // Two stand-ins: a server, and the other mcplocal that runs it.
    const server = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    const owner = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      const [startTime, ownerStart] = await Promise.all([processStartTime(server.pid!), processStartTime(owner.pid!)]);
      mkdirSync(servers.runDir, { recursive: true });
      writeFileSync(join(servers.runDir, 'theirs.pid'), JSON.stringify({ pid: server.pid, startTime, command: 'sleep', owner: { pid: owner.pid, startTime: ownerStart } }));
      await servers.stopOrphans();
      expect(await alive(server.pid)).toBe(true);
      expect(existsSync(join(servers.runDir, 'theirs.pid'))).toBe(true);
      // Once that mcplocal is gone, its server is an orphan like any other.
      owner.kill('SIGKILL');
      await until('the owner gone', () => owner.exitCode !== null || owner.signalCode !== null);
      await servers.stopOrphans();
      expect(await alive(server.pid)).toBe(false);
      expect(lines).toContain(`stopped theirs (pid ${String(server.pid)}), a managed server an earlier mcplocal left running`);
    } finally {
      server.kill('SIGKILL');
      owner.kill('SIGKILL');
    }
  });

  it('stops every server on stopAll, and a later mcplocal stops one an earlier left running', async () => {
    const provider = await managed('qwen');
    await ask(provider);
    const pid = pidOf('qwen')!;
    // An earlier mcplocal killed outright: its server runs on, its pid file stays.
    const later = new ManagedServers({ home: home.path, clock: systemClock, log, killGraceMs: 2_000 });
    await later.stopOrphans();
    expect(await alive(pid)).toBe(false);
    expect(pidOf('qwen')).toBeUndefined();
    expect(lines).toContain(`stopping qwen (pid ${pid}), a managed server an earlier mcplocal left running; it has 2 s to exit`);
    expect(lines).toContain(`stopped qwen (pid ${pid}), a managed server an earlier mcplocal left running`);

    await until('the crash noticed', () => provider.server.state === 'stopped');
    await ask(provider);
    const again = pidOf('qwen')!;
    await servers.stopAll();
    expect(await alive(again)).toBe(false);
    expect(provider.server.state).toBe('stopped');
  });

  it('leaves a pid file alone when its process is not the one it names (a reused pid)', async () => {
    await servers.stopOrphans();
    const path = join(servers.runDir, 'stranger.pid');
    mkdirSync(servers.runDir, { recursive: true });
    writeFileSync(path, JSON.stringify({ pid: process.pid, startTime: '1', command: 'vllm' }));
    await servers.stopOrphans();
    expect(existsSync(path)).toBe(false);
    // This test process is still here to say so.
    expect(lines.filter((line) => line.includes('stranger'))).toEqual([]);
  });
});

async function until(what: string, check: () => boolean): Promise<void> {
  const giveUpAt = performance.now() + 10_000;
  while (!check()) {
    if (performance.now() > giveUpAt) throw new Error(`still waiting after 10 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
