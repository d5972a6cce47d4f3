import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createPostgresTestDatabase, makeTempDir, spawnMcpd, type SpawnedMcpd, type TempDir } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderStream } from './support/provider-stream.js';
import { replicaEnv } from './support/replica-env.js';

const POSTGRES_URL = process.env.MCPCTL_TEST_DATABASE_URL;
const NATS_URL = process.env.MCPCTL_TEST_NATS_URL;

/*
 * mcpd processes without NATS on one PostgreSQL database (docs/deploy.md, "Several replicas"):
 * alone, a process takes every stream for its own, so a second one must not start beside it and
 * take the first one's workstations offline.
 */
describe.skipIf(!POSTGRES_URL)('mcpd processes without NATS on one PostgreSQL database (MCPCTL_TEST_DATABASE_URL)', () => {
  let home: TempDir;
  let database: { url: string; drop: () => Promise<void> };
  let env: Record<string, string>;
  const running: SpawnedMcpd[] = [];

  beforeEach(async () => {
    home = await makeTempDir('mcpd-lone-');
    database = await createPostgresTestDatabase(POSTGRES_URL!);
    env = { DATABASE_URL: database.url, MCPD_SECRET_KEY: randomBytes(24).toString('base64url') };
  });

  afterEach(async () => {
    for (const mcpd of running.splice(0)) await mcpd.stop();
    await database.drop();
    await home.cleanup();
  });

  const start = async (name: string, extra: Record<string, string> = {}, adminToken?: string) => {
    const mcpd = await spawnMcpd({ dataDir: `${home.path}/${name}`, env: { ...env, ...extra }, ...(adminToken ? { adminToken } : {}) });
    running.push(mcpd);
    return mcpd;
  };
  /** A workstation publishing `alice-desk` to `mcpd`, its control stream open. */
  const publish = async (mcpd: SpawnedMcpd) => {
    const registered = await fetch(`${mcpd.url}/api/v1/llms/_provider-register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mcpd.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ providers: [{ name: 'alice-desk', type: 'openai', model: 'qwen3' }] }),
    });
    const { providerSessionId } = (await registered.json()) as { providerSessionId: string };
    const stream = await ProviderStream.open(mcpd.url, mcpd.adminToken, providerSessionId);
    await stream.waitFor((s) => s.events.length > 0);
    return stream;
  };
  /** What a second mcpd prints when `holder`, without NATS, has the database. */
  const refusal = (holder: SpawnedMcpd) =>
    `mcpd could not start: another mcpd (pid ${String(holder.process.pid)} on ${hostname()}) uses this database without MCPD_NATS_URL; set MCPD_NATS_URL on every mcpd sharing the database, or stop that one first\n`;
  const status = async (mcpd: SpawnedMcpd) => {
    const response = await fetch(`${mcpd.url}/api/v1/llms/alice-desk`, { headers: { authorization: `Bearer ${mcpd.adminToken}` } });
    return ((await response.json()) as { status: string }).status;
  };

  it('refuses a second process while the first runs, leaving its publishers online; takes over at once from one killed', async () => {
    const a = await start('a');
    const stream = await publish(a);
    try {
      expect(await status(a)).toBe('active');

      const b = start('b', {}, a.adminToken);
      await expect(b).rejects.toThrow(/exited \(code 1\)/);
      await expect(b).rejects.toThrow(refusal(a));
      expect(await status(a)).toBe('active');
    } finally {
      stream.close();
    }

    // Killed without a clean stop: its database connection went with it, and the next start is not held back.
    await a.stop('SIGKILL');
    const c = await start('c', {}, a.adminToken);
    expect(await status(c)).toBe('inactive');
  });

  it.skipIf(!NATS_URL)('refuses a replica with NATS while a process without it runs, and one without NATS beside replicas', async () => {
    const lone = await start('lone');
    const stream = await publish(lone);
    const clustered = replicaEnv(database.url, NATS_URL!, { MCPD_SECRET_KEY: env.MCPD_SECRET_KEY! });
    try {
      await expect(start('replica', clustered, lone.adminToken)).rejects.toThrow(refusal(lone));
      expect(await status(lone)).toBe('active');
    } finally {
      stream.close();
    }

    // Stopped, it lets go: replicas start, and one without NATS is refused beside them, as before.
    await lone.stop();
    await start('first', clustered, lone.adminToken);
    await start('second', clustered, lone.adminToken);
    await expect(start('again', {}, lone.adminToken)).rejects.toThrow(
      /2 other mcpd replicas \(.+, .+\) use this database with NATS between them; start this one with MCPD_NATS_URL as they have, or stop them first/,
    );
  });
});
