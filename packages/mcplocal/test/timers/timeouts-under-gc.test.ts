import { execFile } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcpd, type FakeMcpd } from '../registrar/fake-mcpd.js';

const CHILD = fileURLToPath(new URL('./support/timeouts-child.mjs', import.meta.url));

type Outcomes = Record<'register' | 'heartbeat' | 'availability' | 'failoverProbe' | 'wakeRequest' | 'modelList', { outcome: string; ms: number }>;

/*
 * Node 20 can collect the signal of `AbortSignal.timeout` once only `AbortSignal.any` refers to
 * it, and then the timeout never fires (nodejs/node#57736). A child process with --expose-gc
 * runs each of mcplocal's bounded calls against servers that accept connections and never
 * answer, collecting garbage every few milliseconds: each call must still end at its timeout.
 */
describe('mcplocal timeouts under forced garbage collection', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let mcpd: FakeMcpd;

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    mcpd = await startFakeMcpd();
    mcpd.hangHeartbeats = true;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await mcpd.close();
  });

  it('registration, heartbeat, availability probe, failover probe, wake request and model list all time out', async () => {
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const input = JSON.stringify({ silentUrl, mcpdUrl: mcpd.url, token: mcpd.token });
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', CHILD], {
      env: { ...process.env, TIMEOUT_CHILD_INPUT: input },
      timeout: 30_000,
    });
    const outcomes = JSON.parse(stdout.trim().split('\n').at(-1)!) as Outcomes;
    expect(outcomes.register.outcome).toMatch(/did not answer the registration within 0\.3 s/);
    expect(outcomes.heartbeat.outcome).toMatch(/^heartbeat failed: .*did not answer a heartbeat within 1\.5 s/);
    expect(mcpd.heartbeats.length).toBeGreaterThan(0);
    expect(outcomes.availability.outcome).toBe('false');
    expect(outcomes.failoverProbe.outcome).toBe('unreachable');
    expect(outcomes.wakeRequest.outcome).toMatch(/did not answer within 0\.3 s/);
    expect(outcomes.modelList.outcome).toBe('listed 0');
    // Each ends near its own timeout (availability's is 2 s), well before the child's 15 s give-up.
    for (const { ms } of Object.values(outcomes)) expect(ms).toBeLessThan(10_000);
  }, 40_000);
});
