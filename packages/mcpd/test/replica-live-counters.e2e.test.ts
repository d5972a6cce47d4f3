import { randomBytes } from 'node:crypto';
import { createPostgresTestDatabase, makeTempDir, startFakeUpstream, spawnMcpd, type FakeUpstream, type SpawnedMcpd, type TempDir } from '@mcpctl/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicaEnv } from './support/replica-env.js';
import { EventReader } from './support/event-reader.js';

const POSTGRES_URL = process.env.MCPCTL_TEST_DATABASE_URL;
const NATS_URL = process.env.MCPCTL_TEST_NATS_URL;
/** Thirty-two tokens at four a second: an answer that runs about eight seconds. */
const SLOW_ANSWER = { tokenCount: 32, tokensPerSecond: 4 };

/*
 * SPEC §12 §8, the dashboard behind a balancer: two mcpd replicas on one PostgreSQL and the local
 * NATS. A slow request served by replica A shows in the live counters of a page connected to
 * replica B, and leaves them when it ends.
 */
describe.skipIf(!POSTGRES_URL || !NATS_URL)('live counters among replicas (MCPCTL_TEST_DATABASE_URL, MCPCTL_TEST_NATS_URL)', () => {
  const dirs: TempDir[] = [];
  const replicas: SpawnedMcpd[] = [];
  const adminToken = `mcpctl_${randomBytes(24).toString('base64url')}`;
  let database: { url: string; drop: () => Promise<void> };
  let upstream: FakeUpstream;

  beforeAll(async () => {
    database = await createPostgresTestDatabase(POSTGRES_URL!);
    const env = replicaEnv(database.url, NATS_URL!);
    const started = await Promise.all(
      [0, 1].map(async () => {
        const dir = await makeTempDir('e2e-live-replica-');
        dirs.push(dir);
        return spawnMcpd({ dataDir: dir.path, adminToken, env });
      }),
    );
    replicas.push(...started);
    upstream = await startFakeUpstream(SLOW_ANSWER);
    const created = await fetch(`${replicas[0]!.url}/api/v1/llms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'slow', type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl, poolName: 'team' }),
    });
    expect(created.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await upstream?.close();
    await database?.drop();
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  }, 60_000);

  it('shows a request served by one replica in the live counters read from another, and takes it out once it ends', async () => {
    const [a, b] = replicas as [SpawnedMcpd, SpawnedMcpd];
    const page = await EventReader.open(b.url, adminToken);
    expect(page.status).toBe(200);
    try {
      const counters = () => ({
        llm: page.latest('llms')?.find((llm) => llm.name === 'slow')?.inFlight,
        pool: page.latest('pools')?.find((pool) => pool.name === 'team')?.inFlight,
      });
      await waitUntil(() => counters().llm === 0, 10_000);

      const answer = fetch(`${a.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      }).then(async (response) => ({ status: response.status, text: await response.text() }));
      // A's report comes within a second, B's page shows it at its next tick: about two seconds, well inside the answer.
      await waitUntil(() => counters().llm === 1, 6_000);
      expect(counters()).toEqual({ llm: 1, pool: 1 });

      const { status, text } = await answer;
      expect(status).toBe(200);
      expect(text).toContain('[DONE]');
      // A's next report, empty, clears it within about two seconds (its silence would after 3 s).
      await waitUntil(() => counters().llm === 0 && counters().pool === 0, 6_000);
    } finally {
      page.close();
    }
  }, 60_000);
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
