import { startFakeUpstream, testDatabaseVariants } from '@mcpctl/test-kit';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './support/test-server.js';

const [embedded] = testDatabaseVariants();

describe('/metrics', () => {
  it('reports requests, latency, first token, time in line, in-flight, queue depth, sessions and rows by kind and status', async () => {
    const upstream = await startFakeUpstream();
    const mcpd = await startTestServer({ database: await embedded!.open() });
    try {
      await mcpd.api('/api/v1/llms', { json: { name: 'fake', type: 'openai', model: 'm', url: upstream.openaiBaseUrl } });
      await mcpd.api('/api/v1/llms/fake/infer', { json: { messages: [{ role: 'user', content: 'Hi' }] } });
      await (await mcpd.api('/api/v1/llms/fake/infer', { json: { messages: [{ role: 'user', content: 'Hi' }], stream: true } })).text();
      await mcpd.api('/api/v1/llms/_provider-register', { json: { providers: [{ name: 'desk', type: 'openai', model: 'm' }] } });
      const response = await mcpd.api('/metrics');
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain('mcpd_inference_requests_total{llm="fake",status="200"} 2');
      expect(text).toMatch(/mcpd_inference_duration_seconds_count\{llm="fake"\} 2/);
      // The stream had a first token, the whole answer none; both were given the LLM.
      expect(text).toMatch(/mcpd_inference_first_token_seconds_count\{llm="fake"\} 1/);
      expect(text).toMatch(/mcpd_inference_queue_seconds_count\{llm="fake"\} 2/);
      expect(text).toContain('mcpd_inference_in_flight 0');
      expect(text).toContain('mcpd_queue_depth 0');
      expect(text).toContain('mcpd_provider_sessions_connected 0');
      expect(text).toContain('mcpd_llms{kind="public",status="active"} 1');
      expect(text).toContain('mcpd_llms{kind="virtual",status="active"} 1');
    } finally {
      await mcpd.close();
      await mcpd.server.services.database.close();
      await upstream.close();
    }
  });
});
