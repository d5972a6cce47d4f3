import { describe, expect, it } from 'vitest';
import { McpdMetrics } from '../src/metrics.js';

describe('the llm label of an inference', () => {
  it('takes the name of a served request as it is, and looks up only names nobody served', async () => {
    const metrics = new McpdMetrics();
    const looked: string[] = [];
    metrics.observeState({
      queued: () => 0,
      connectedSessions: () => 0,
      llmCounts: async () => [],
      nameExists: async (name) => {
        looked.push(name);
        return name === 'gone-since';
      },
    });
    metrics.observeInference('qwen3', 200, 12, true);
    metrics.observeInference('gone-since', 404, 1);
    metrics.observeInference('typo', 404, 1);
    const text = await metrics.render();
    expect(looked).toEqual(['gone-since', 'typo']);
    expect(text).toContain('mcpd_inference_requests_total{llm="qwen3",status="200"} 1');
    expect(text).toContain('mcpd_inference_requests_total{llm="gone-since",status="404"} 1');
    expect(text).toContain('mcpd_inference_requests_total{llm="_unknown",status="404"} 1');
    expect(text).toContain('mcpd_inference_duration_seconds_count{llm="qwen3"} 1');
  });
});
