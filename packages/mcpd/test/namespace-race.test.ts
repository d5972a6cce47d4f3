import { testDatabaseVariants } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-server.js';

/*
 * Claims of one name as different kinds, sent at the same moment. On PostgreSQL the requests run
 * on different pooled connections, so only the namespace lock keeps both from checking first and
 * writing second.
 */
describe.each(testDatabaseVariants())('one namespace under concurrent claims on $name', (variant) => {
  let mcpd: TestServer;

  beforeEach(async () => {
    mcpd = await startTestServer({ database: await variant.open(), cacheMs: 0 });
    expect((await mcpd.api('/api/v1/llms', { json: { name: 'base', type: 'openai', model: 'm', url: 'http://127.0.0.1:9/v1' } })).status).toBe(201);
  });

  afterEach(async () => {
    await mcpd.close();
    await mcpd.server.services.database.close();
  });

  it('lets exactly one of an LLM, an agent and a pool take a name, round after round', async () => {
    for (let round = 0; round < 15; round += 1) {
      const name = `contested-${round}`;
      const statuses = await Promise.all([
        mcpd.api('/api/v1/llms', { json: { name, type: 'openai', model: 'm', url: 'http://127.0.0.1:9/v1' } }),
        mcpd.api('/api/v1/agents', { json: { name, llm: 'base' } }),
        mcpd.api('/api/v1/llms', { json: { name: `member-${round}`, type: 'openai', model: 'm', url: 'http://127.0.0.1:9/v1', poolName: name } }),
        mcpd.api('/api/v1/llms/_provider-register', { json: { providers: [{ name: `published-${round}`, type: 'openai', model: 'm', poolName: name }] } }),
      ]).then((responses) => responses.map((response) => response.status));
      const llm = statuses[0] === 201;
      const agent = statuses[1] === 201;
      const pool = statuses[2] === 201 || statuses[3] === 201;
      expect([llm, agent, pool].filter(Boolean), `round ${round}: ${statuses.join(' ')}`).toHaveLength(1);
      expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    }
  });
});
