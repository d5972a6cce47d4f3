import { startFakeUpstream, testDatabaseVariants } from '@mcpctl/test-kit';
import { describe, expect, it } from 'vitest';
import { addUser } from './support/test-users.js';
import { startTestServer } from './support/test-server.js';

const [embedded] = testDatabaseVariants();
const SCRAPE_TOKEN = 'scrape-token-0123456789abcdef';

describe('/metrics access and labels', () => {
  it('answers admins and the scrape token, refuses members, and labels only registry names', async () => {
    const upstream = await startFakeUpstream();
    const mcpd = await startTestServer({ database: await embedded!.open(), env: { MCPD_METRICS_TOKEN: SCRAPE_TOKEN } });
    try {
      const member = await addUser(mcpd.server.services.database.db, 'mia');
      await mcpd.api('/api/v1/llms', { json: { name: 'real', type: 'openai', model: 'm', url: upstream.openaiBaseUrl, poolName: 'gpus' } });
      const chat = { messages: [{ role: 'user', content: 'Hi' }] };
      expect((await mcpd.api('/api/v1/llms/real/infer', { token: member, json: chat })).status).toBe(200);
      expect((await mcpd.api('/api/v1/llms/gpus/infer', { token: member, json: chat })).status).toBe(200);
      for (const name of ['nope-1', 'nope-2', 'x'.repeat(64), 'y'.repeat(256)]) {
        expect((await mcpd.api('/v1/chat/completions', { token: member, json: { model: name, ...chat } })).status).toBe(404);
      }

      expect((await mcpd.api('/metrics', { token: member })).status).toBe(403);
      expect((await mcpd.api('/metrics', { token: null })).status).toBe(401);
      expect((await mcpd.api('/api/v1/llms', { token: SCRAPE_TOKEN })).status).toBe(401);
      const scraped = await mcpd.api('/metrics', { token: SCRAPE_TOKEN });
      expect(scraped.status).toBe(200);
      const text = await scraped.text();
      expect(text).toContain('mcpd_inference_requests_total{llm="real",status="200"} 1');
      expect(text).toContain('mcpd_inference_requests_total{llm="gpus",status="200"} 1');
      expect(text).toContain('mcpd_inference_requests_total{llm="_unknown",status="404"} 4');
      expect(text).not.toMatch(/nope|xxxx|yyyy/);
      expect(await (await mcpd.api('/metrics')).text()).toContain('llm="_unknown"');
    } finally {
      await mcpd.close();
      await mcpd.server.services.database.close();
      await upstream.close();
    }
  });
});
