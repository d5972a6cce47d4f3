import { describe, expect, it } from 'vitest';
import { toAuditView } from '../src/services/audit-view.js';

describe('an audit record as the API shows it', () => {
  it('shows durations to the microsecond, as measured to the nanosecond and stored', () => {
    const view = toAuditView({
      id: 7,
      at: new Date('2026-12-04T10:00:00.000Z'),
      userId: 'u1',
      userName: 'alice',
      userDeleted: true,
      llmName: 'qwen3',
      servedBy: 'qwen3',
      endpoint: 'chat.completions',
      streaming: true,
      status: 200,
      latencyMs: 635.5625789999904,
      firstTokenMs: 12.0004999,
      queueMs: null,
      promptTokens: 3,
      completionTokens: 4,
      error: null,
      agentName: null,
      requestId: 'req_7',
      replica: 'mcpd-0-k2p9x1aa',
    });
    expect(view).toMatchObject({ id: '7', userName: 'alice', userDeleted: true, latencyMs: 635.563, firstTokenMs: 12, queueMs: null, requestId: 'req_7' });
    // Which replica answered is told only to whom the caller may be: an operator.
    expect(view).not.toHaveProperty('replica');
  });
});
