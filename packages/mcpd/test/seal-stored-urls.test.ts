import { llms } from '@mcpctl/db';
import { eq } from 'drizzle-orm';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmRepository } from '../src/repositories/llm-repository.js';
import { SecretBox } from '../src/security/secret-box.js';
import { realUrl } from '../src/security/stored-url.js';
import { sealStoredUrls } from '../src/services/seal-stored-urls.js';
import { checkSecretKey } from '../src/services/check-secret-key.js';
import { startTestServer, TEST_SECRET_KEY, type TestServer } from './support/test-server.js';

/** Starts beside the running first server, as a second process may once the first was killed (which lets go of its lone-process lock). */
const BESIDE = { loneProcessLock: false } as const;

describe.each(testDatabaseVariants())('URLs stored in clear, sealed at start, on $name', (variant) => {
  let mcpd: TestServer;

  beforeEach(async () => {
    mcpd = await startTestServer({ database: await variant.open() });
  });

  afterEach(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  it('refuses to start with a secret key that opens none of the secrets stored, and starts with the right one', async () => {
    expect((await mcpd.api('/api/v1/llms', { json: { name: 'keyed', type: 'openai', model: 'm', url: 'http://127.0.0.1:9/v1', apiKey: 'sk-upstream-key' } })).status).toBe(201);
    const { database } = mcpd.server.services;
    const wrong = startTestServer({ database, env: { MCPD_SECRET_KEY: 'another-secret-key-9876543210' }, ...BESIDE });
    await expect(wrong).rejects.toThrow(
      'MCPD_SECRET_KEY opens none of the 1 secret stored in the database (API keys, URL credentials): it is not the key they were sealed with; start with that key (every replica takes the same one). If it is lost for good, start once with --forget-unreadable-secrets: the secrets it cannot open are cleared, and each of those LLMs is given its key again (docs/deploy.md)',
    );
    const right = await startTestServer({ database, ...BESIDE });
    await right.close();
  });

  it('starts with the right key while one row holds a secret sealed under another, and names that row', async () => {
    for (const name of ['good', 'bad']) {
      const url = `https://svc:pa55-${name}@models.example/v1`;
      expect((await mcpd.api('/api/v1/llms', { json: { name, type: 'openai', model: 'm', url } })).status).toBe(201);
    }
    const { database } = mcpd.server.services;
    // A row sealed under another key: a replica once given the wrong one, say.
    await database.db.update(llms).set({ urlSealed: new SecretBox('another-secret-key-9876543210').seal('https://svc:other@models.example/v1') }).where(eq(llms.name, 'bad'));
    const repository = new LlmRepository(database.db);
    const box = new SecretBox(TEST_SECRET_KEY);
    expect(await checkSecretKey(repository, box)).toEqual({ stored: 2, unreadable: ['bad'] });
    expect(await sealStoredUrls(repository, box)).toBe(0);
    const again = await startTestServer({ database, ...BESIDE });
    await again.close();
    expect(await repository.findByName('good')).toMatchObject({ url: 'https://***:***@models.example/v1' });
  });

  it('seals the rows whose URL holds credentials, once, and leaves the rest as they are', async () => {
    const { db } = mcpd.server.services.database;
    const given = 'https://svc:pa55word@models.example/v1?sig=abc123&x=1';
    for (const [name, url] of [['legacy', 'http://127.0.0.1:9/v1'], ['plain', 'http://127.0.0.1:9/v1']] as const) {
      expect((await mcpd.api('/api/v1/llms', { json: { name, type: 'openai', model: 'm', url } })).status).toBe(201);
    }
    // Written past the API, as mcpd stored URLs before they were sealed.
    await db.update(llms).set({ url: given }).where(eq(llms.name, 'legacy'));
    const box = new SecretBox(TEST_SECRET_KEY);
    const repository = new LlmRepository(db);

    expect(await sealStoredUrls(repository, box)).toBe(1);
    const legacy = await repository.findByName('legacy');
    expect(legacy).toMatchObject({ url: 'https://***:***@models.example/v1?sig=***&x=1' });
    expect(realUrl(legacy!, box)).toBe(given);
    expect(await repository.findByName('plain')).toMatchObject({ url: 'http://127.0.0.1:9/v1', urlSealed: null });
    expect(await sealStoredUrls(repository, box)).toBe(0);
    // What the API shows did not change.
    expect(((await (await mcpd.api('/api/v1/llms/legacy')).json()) as { url: string }).url).toBe('https://***:***@models.example/v1?sig=***&x=1');

    // An older mcpd (a replica not yet upgraded, a rollback) edits the row: it writes its URL in
    // clear and leaves the sealed one. The clear one counts, and is sealed at the next start.
    const edited = 'https://svc:n3w-pass@models.example/v2';
    await db.update(llms).set({ url: edited }).where(eq(llms.name, 'legacy'));
    expect(realUrl((await repository.findByName('legacy'))!, box)).toBe(edited);
    expect(await sealStoredUrls(repository, box)).toBe(1);
    const resealed = (await repository.findByName('legacy'))!;
    expect(resealed.url).toBe('https://***:***@models.example/v2');
    expect(realUrl(resealed, box)).toBe(edited);
    // The older mcpd filled an edited view's masks from the masked URL: its `***` stand for the sealed values.
    await db.update(llms).set({ url: 'https://***:***@models.example/v4' }).where(eq(llms.name, 'legacy'));
    expect(realUrl((await repository.findByName('legacy'))!, box)).toBe('https://svc:n3w-pass@models.example/v4');
    expect(await sealStoredUrls(repository, box)).toBe(1);
    expect(realUrl((await repository.findByName('legacy'))!, box)).toBe('https://svc:n3w-pass@models.example/v4');
    // Edited to a URL with nothing to hide: stored as it is, the stale seal dropped.
    await db.update(llms).set({ url: 'https://models.example/v3' }).where(eq(llms.name, 'legacy'));
    expect(await sealStoredUrls(repository, box)).toBe(1);
    expect(await repository.findByName('legacy')).toMatchObject({ url: 'https://models.example/v3', urlSealed: null });
  });
});
