import { llms } from '@mcpctl/db';
import { errorBodySchema, llmViewSchema } from '@mcpctl/protocol';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, TEST_SECRET_KEY, type TestServer } from './support/test-server.js';
import { SecretBox } from '../src/security/secret-box.js';
import { realUrl } from '../src/security/stored-url.js';

const gpt = { name: 'gpt', type: 'openai', model: 'gpt-4o-mini', url: 'http://127.0.0.1:9/v1' };

describe.each(testDatabaseVariants())('registry on $name', (variant) => {
  let mcpd: TestServer;

  beforeEach(async () => {
    mcpd = await startTestServer({ database: await variant.open() });
  });

  afterEach(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  it('creates, reads by name and id, lists, updates and deletes a public LLM', async () => {
    const created = await mcpd.api('/api/v1/llms', { json: { ...gpt, tier: 'heavy', description: 'hosted' } });
    expect(created.status).toBe(201);
    const view = llmViewSchema.parse(await created.json());
    expect(view).toMatchObject({ name: 'gpt', kind: 'public', status: 'active', visibility: 'public', tier: 'heavy', owner: 'admin', hasApiKey: false, poolName: null });

    const byId = await (await mcpd.api(`/api/v1/llms/${view.id}`)).json();
    const byName = await (await mcpd.api('/api/v1/llms/gpt')).json();
    expect(byId).toEqual(byName);
    expect(((await (await mcpd.api('/api/v1/llms')).json()) as Array<{ name: string }>).map((llm) => llm.name)).toEqual(['gpt']);

    const updated = await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { model: 'gpt-4o', description: null } });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ model: 'gpt-4o', description: null, tier: 'heavy' });

    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'DELETE' })).status).toBe(204);
    expect((await mcpd.api('/api/v1/llms/gpt')).status).toBe(404);
  });

  it('answers HEAD as the cheap visibility probe', async () => {
    await mcpd.api('/api/v1/llms', { json: gpt });
    const seen = await mcpd.api('/api/v1/llms/gpt', { method: 'HEAD' });
    expect(seen.status).toBe(200);
    expect(await seen.text()).toBe('');
    expect((await mcpd.api('/api/v1/llms/nope', { method: 'HEAD' })).status).toBe(404);
  });

  it('stores the API key sealed, never returns it, and keeps it across updates that omit it', async () => {
    await mcpd.api('/api/v1/llms', { json: { ...gpt, apiKey: 'sk-very-secret-key' } });
    const body = await (await mcpd.api('/api/v1/llms/gpt')).text();
    expect(body).not.toContain('sk-very-secret-key');
    expect((JSON.parse(body) as { hasApiKey: unknown }).hasApiKey).toBe(true);

    const [row] = await mcpd.server.services.database.db.select().from(llms);
    expect(row?.apiKeyEncrypted).toBeTruthy();
    expect(row?.apiKeyEncrypted).not.toContain('sk-very-secret-key');

    await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { tier: 'heavy' } });
    expect(llmViewSchema.parse(await (await mcpd.api('/api/v1/llms/gpt')).json()).hasApiKey).toBe(true);
    await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { apiKey: null } });
    expect(llmViewSchema.parse(await (await mcpd.api('/api/v1/llms/gpt')).json()).hasApiKey).toBe(false);
  });

  it('stores a URL with credentials masked, the whole URL sealed beside it, and keeps it so through edits', async () => {
    const given = 'http://svc:pa55word@127.0.0.1:9/v1?api_key=k3y-value&x=1';
    const box = new SecretBox(TEST_SECRET_KEY);
    expect((await mcpd.api('/api/v1/llms', { json: { ...gpt, url: given } })).status).toBe(201);
    const rowOf = async () => (await mcpd.server.services.database.db.select().from(llms))[0]!;
    const row = await rowOf();
    expect(row.url).toBe('http://***:***@127.0.0.1:9/v1?api_key=***&x=1');
    expect(row.urlSealed).toMatch(/^gcm1\./);
    expect(JSON.stringify(row)).not.toMatch(/pa55word|k3y-value/);
    expect(realUrl(row, box)).toBe(given);
    // The view's URL sent back with another path: the credentials stay, still sealed.
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: 'http://***:***@127.0.0.1:9/v2?api_key=***&x=1' } })).status).toBe(200);
    expect((await rowOf()).url).toBe('http://***:***@127.0.0.1:9/v2?api_key=***&x=1');
    expect(realUrl(await rowOf(), box)).toBe('http://svc:pa55word@127.0.0.1:9/v2?api_key=k3y-value&x=1');
    // Without credentials the URL is stored as it is, and nothing is sealed.
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: 'http://127.0.0.1:9/v1' } })).status).toBe(200);
    expect(await rowOf()).toMatchObject({ url: 'http://127.0.0.1:9/v1', urlSealed: null });
  });

  it('refuses a new URL that puts a secret parameter behind a \';\', and keeps a row stored before the rule working', async () => {
    const refused = await mcpd.api('/api/v1/llms', { json: { ...gpt, url: 'http://127.0.0.1:9/v1?model=x;api_key=k3y-value' } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe(
      "the URL of LLM gpt puts its api_key parameter behind a ';', which some servers read as a separator and others as part of the value before it, so views could not mask it; put '&' before api_key",
    );
    expect((await mcpd.api('/api/v1/llms/gpt')).status).toBe(404);
    // The same pair behind '&' is masked and sealed as any other.
    expect((await mcpd.api('/api/v1/llms', { json: { ...gpt, url: 'http://127.0.0.1:9/v1?model=x&api_key=k3y-value' } })).status).toBe(201);
    const rowOf = async () => (await mcpd.server.services.database.db.select().from(llms))[0]!;
    expect((await rowOf()).url).toBe('http://127.0.0.1:9/v1?model=x&api_key=***');
    const moved = await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: 'http://127.0.0.1:9/v1?stream;Token=t0ken', description: 'moved' } });
    expect(moved.status).toBe(400);
    expect(((await moved.json()) as { error: string }).error).toMatch(/^the URL of LLM gpt puts its Token parameter behind a ';'/);
    expect(llmViewSchema.parse(await (await mcpd.api('/api/v1/llms/gpt')).json())).toMatchObject({ url: 'http://127.0.0.1:9/v1?model=x&api_key=***', description: null });
    // Stored before the rule: written past the API. Its URL sent back unchanged, and edits beside it, still go through.
    const stored = 'http://127.0.0.1:9/v1?model=x;api_key=k3y-value';
    await mcpd.server.services.database.db.update(llms).set({ url: stored, urlSealed: null });
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: stored, description: 'applied again' } })).status).toBe(200);
    expect(await rowOf()).toMatchObject({ url: stored, description: 'applied again' });
    // A ';' pair inside a secret pair's value is masked with it: its view edited elsewhere goes through.
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: 'http://127.0.0.1:9/v1?api_key=A;token=T' } })).status).toBe(200);
    expect(llmViewSchema.parse(await (await mcpd.api('/api/v1/llms/gpt')).json()).url).toBe('http://127.0.0.1:9/v1?api_key=***');
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: 'http://127.0.0.1:9/v1?api_key=***&v=2' } })).status).toBe(200);
    expect(realUrl(await rowOf(), new SecretBox(TEST_SECRET_KEY))).toBe('http://127.0.0.1:9/v1?api_key=A;token=T&v=2');
  });

  it('sends a stored key to another server only when the key comes again', async () => {
    await mcpd.api('/api/v1/llms', { json: { ...gpt, apiKey: 'sk-very-secret-key' } });
    // Another path on the same server keeps the key.
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: 'http://127.0.0.1:9/openai/v1' } })).status).toBe(200);
    for (const url of ['http://attacker.example/v1', 'https://127.0.0.1:9/v1', 'http://127.0.0.1:10/v1']) {
      const moved = await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url, description: 'moved' } });
      expect(moved.status).toBe(400);
      expect(((await moved.json()) as { error: string }).error).toBe(
        `LLM gpt's API key was given for http://127.0.0.1:9; to send it to ${new URL(url).origin}, give the key again (apiKeyEnv in the document), or remove it with apiKey: null`,
      );
    }
    const unchanged = llmViewSchema.parse(await (await mcpd.api('/api/v1/llms/gpt')).json());
    expect(unchanged).toMatchObject({ url: 'http://127.0.0.1:9/openai/v1', description: null, hasApiKey: true });
    // With the key again, or without any, the move is the editor's to make.
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: 'http://127.0.0.1:10/v1', apiKey: 'sk-for-the-new-server' } })).status).toBe(200);
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: 'http://127.0.0.1:11/v1', apiKey: null } })).status).toBe(200);
    expect(llmViewSchema.parse(await (await mcpd.api('/api/v1/llms/gpt')).json())).toMatchObject({ url: 'http://127.0.0.1:11/v1', hasApiKey: false });
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: 'http://127.0.0.1:12/v1' } })).status).toBe(200);
  });

  it('lets a row stored with both URL credentials and a key change anything but them, and checks a change to either', async () => {
    await mcpd.api('/api/v1/llms', { json: { ...gpt, apiKey: 'sk-very-secret-key' } });
    // Stored before the rule: written past the API, as an older mcpd took it.
    const stored = 'http://svc:pw@127.0.0.1:80/v1?x=a%20b&scope=a/b';
    await mcpd.server.services.database.db.update(llms).set({ url: stored });
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { description: 'just a note', tier: 'heavy' } })).status).toBe(200);
    // An applied document sends every field, its unchanged type too.
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { type: 'openai', model: 'gpt-4o', description: 'applied' } })).status).toBe(200);
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { type: 'ollama' } })).status).toBe(400);
    // An edited document sends the view's URL back with the rest: it stays as stored, byte for byte.
    const shown = llmViewSchema.parse(await (await mcpd.api('/api/v1/llms/gpt')).json()).url;
    expect(shown).toBe('http://***:***@127.0.0.1:80/v1?x=a%20b&scope=a/b');
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { url: shown, description: 'edited' } })).status).toBe(200);
    const [row] = await mcpd.server.services.database.db.select().from(llms);
    expect(row?.url).toBe(stored);
    const rekeyed = await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { apiKey: 'sk-another-key' } });
    expect(rekeyed.status).toBe(400);
    expect(((await rekeyed.json()) as { error: string }).error).toMatch(/^LLM gpt would send both .*; keep one: the key \(remove it with apiKey: null in a document\), or the URL's user:pass@$/);
    expect((await mcpd.api('/api/v1/llms/gpt', { method: 'PUT', json: { apiKey: null } })).status).toBe(200);
    expect(llmViewSchema.parse(await (await mcpd.api('/api/v1/llms/gpt')).json()).hasApiKey).toBe(false);
  });

  it('refuses a duplicate name with 409 and changes nothing', async () => {
    await mcpd.api('/api/v1/llms', { json: gpt });
    const again = await mcpd.api('/api/v1/llms', { json: { ...gpt, model: 'other' } });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: 'an LLM named gpt already exists' });
    expect(llmViewSchema.parse(await (await mcpd.api('/api/v1/llms/gpt')).json()).model).toBe('gpt-4o-mini');
  });

  it.each([
    ['a name that is not a DNS label', { ...gpt, name: 'Not_A_Label' }, /name/],
    ['a name longer than 63 characters', { ...gpt, name: 'a'.repeat(64) }, /name/],
    ['an unknown type', { ...gpt, type: 'mistral' }, /type/],
    ['a field of the wrong type', { ...gpt, maxConcurrent: 'two' }, /maxConcurrent/],
    ['an unknown field', { ...gpt, colour: 'blue' }, /colour/],
    ['a URL that is not http', { ...gpt, url: 'ftp://x' }, /^invalid request body: url: url must be an http:\/\/ or https:\/\/ URL$/],
    ['a URL past 2048 characters', { ...gpt, url: `http://127.0.0.1:9/v1/${'a'.repeat(2100)}` }, /^invalid request body: url: url is at most 2048 characters$/],
    ['no URL', { name: 'gpt', type: 'openai', model: 'm' }, /^invalid request body: url: url is required: an http:\/\/ or https:\/\/ URL$/],
  ])('answers 400 with one line for %s', async (_case, body, pattern) => {
    const response = await mcpd.api('/api/v1/llms', { json: body });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: string };
    expect(error).toMatch(pattern);
    expect(error).not.toContain('\n');
    expect((await (await mcpd.api('/api/v1/llms')).json())).toEqual([]);
  });

  it('answers malformed JSON with 400 and a missing or wrong token with 401', async () => {
    const malformed = await mcpd.api('/api/v1/llms', { method: 'POST', body: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: 'the body is not valid JSON' });
    expect((await mcpd.api('/api/v1/llms', { token: null })).status).toBe(401);
    const wrong = await mcpd.api('/api/v1/llms', { token: 'mcpctl_wrong' });
    expect(wrong.status).toBe(401);
    expect(Object.keys((await wrong.json()) as object)).toEqual(['error']);
  });

  it('answers health probes without a token and everything else only with one', async () => {
    expect(await (await mcpd.api('/healthz', { token: null })).json()).toEqual({ status: 'ok' });
    expect(await (await mcpd.api('/readyz', { token: null })).json()).toEqual({ status: 'ok' });
    expect((await mcpd.api('/metrics', { token: null })).status).toBe(401);
    expect((await mcpd.api('/api/v1/nothing-here', { token: null })).status).toBe(401);
    // A browser opening mcpd's address is sent to the dashboard.
    const root = await mcpd.api('/', { token: null, redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    expect((await mcpd.api('/?x=1', { token: null, redirect: 'manual' })).status).toBe(302);
    expect((await mcpd.api('/api/v1/nothing-here')).status).toBe(404);
    const status = await (await mcpd.api('/api/v1/status')).json();
    expect(status).toMatchObject({ user: { name: 'admin', admin: true }, server: { database: variant.name } });
  });

  it('refuses a body over the limit with 413', async () => {
    const huge = { ...gpt, description: 'x'.repeat(5 * 1024 * 1024) };
    const response = await mcpd.api('/api/v1/llms', { json: huge });
    expect(response.status).toBe(413);
    expect(errorBodySchema.parse(await response.json()).error).toMatch(/^request body is too large: this route takes at most \d+ bytes \(MCPD_BODY_LIMIT_BYTES\)$/);
  });
});
