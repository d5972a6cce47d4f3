import { auditRecordViewSchema } from '@mcpctl/protocol';
import { startFakeUpstream, testDatabaseVariants } from '@mcpctl/test-kit';
import { describe, expect, it } from 'vitest';
import { addUser } from './support/test-users.js';
import { startTestServer } from './support/test-server.js';

const [embedded] = testDatabaseVariants();
const chat = { messages: [{ role: 'user', content: 'Hi' }] };

describe('request loops', () => {
  it("ends an LLM pointing at mcpd's own /v1 with 508 after one extra request, and a chain past four instances", async () => {
    const upstream = await startFakeUpstream();
    const mcpd = await startTestServer({ database: await embedded!.open() });
    try {
      const key = await addUser(mcpd.server.services.database.db, 'loop-key');
      await mcpd.api('/api/v1/llms', { json: { name: 'self', type: 'openai', model: 'self', url: `${mcpd.url}/v1`, apiKey: key } });
      const looped = await mcpd.api('/v1/chat/completions', { json: { model: 'self', ...chat } });
      expect(looped.status).toBe(508);
      const audited = async () =>
        auditRecordViewSchema.array().parse(await (await mcpd.api('/api/v1/audit?llm=self&limit=1000')).json()).map((record) => record.status);
      expect(await audited()).toEqual([508, 508]);
      // Nothing still going round: each hop waits on the next, so a loop that went on would hold a call open.
      expect(mcpd.server.services.inference.inFlight).toBe(0);

      await mcpd.api('/api/v1/llms', { json: { name: 'plain', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
      expect((await mcpd.api('/api/v1/llms/plain/infer', { json: chat, headers: { 'x-mcpctl-hop': 'one,two,three' } })).status).toBe(200);
      expect(upstream.requests.at(-1)?.headers['x-mcpctl-hop']).toBe(`one,two,three,${mcpd.server.services.instanceId}`);
      expect((await mcpd.api('/api/v1/llms/plain/infer', { json: chat, headers: { 'x-mcpctl-hop': 'one,two,three,four' } })).status).toBe(508);
      expect((await mcpd.api('/api/v1/llms/plain/infer', { json: chat, headers: { 'x-mcpctl-hop': mcpd.server.services.instanceId } })).status).toBe(508);
      expect(upstream.requests).toHaveLength(1);
    } finally {
      await mcpd.close();
      await mcpd.server.services.database.close();
      await upstream.close();
    }
  });
});
