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
    const refused = { latencyMs: 1, firstTokenMs: null, queueMs: null, served: false };
    metrics.observeInference({ name: 'qwen3', status: 200, latencyMs: 12, firstTokenMs: 3, queueMs: 0, served: true });
    metrics.observeInference({ name: 'gone-since', status: 404, ...refused });
    metrics.observeInference({ name: 'typo', status: 404, ...refused });
    const text = await metrics.render();
    expect(looked).toEqual(['gone-since', 'typo']);
    expect(text).toContain('mcpd_inference_requests_total{llm="qwen3",status="200"} 1');
    expect(text).toContain('mcpd_inference_requests_total{llm="gone-since",status="404"} 1');
    expect(text).toContain('mcpd_inference_requests_total{llm="_unknown",status="404"} 1');
    expect(text).toContain('mcpd_inference_duration_seconds_count{llm="qwen3"} 1');
    // Only what had a first token or a slot counts in those; refusals had neither.
    expect(text).toContain('mcpd_inference_first_token_seconds_count{llm="qwen3"} 1');
    expect(text).toContain('mcpd_inference_first_token_seconds_bucket{le="0.01",llm="qwen3"} 1');
    expect(text).toContain('mcpd_inference_queue_seconds_count{llm="qwen3"} 1');
    expect(text).not.toMatch(/mcpd_inference_(first_token|queue)_seconds_count\{llm="(gone-since|_unknown)"\}/);
  });
});
