import { llmViewSchema } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { describeLlmFields } from '../../src/resources/llm/describe.js';

const now = new Date('2026-01-01T00:01:00Z');

const virtualLlm = (providerSession: unknown) =>
  llmViewSchema.parse({
    id: 'llm_1',
    name: 'qwen-alice',
    kind: 'virtual',
    type: 'openai',
    model: 'qwen3',
    url: null,
    tier: 'fast',
    description: null,
    poolName: null,
    visibility: 'private',
    ownerId: 'usr_1',
    owner: 'alice',
    status: 'active',
    hasApiKey: false,
    maxConcurrent: null,
    providerSession,
    lastHeartbeatAt: '2026-01-01T00:00:50Z',
    inactiveSince: null,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  });

const field = (fields: Array<readonly [string, string]>, name: string) => fields.find(([label]) => label === name)?.[1];

describe('describe llm: the session transport', () => {
  it.each([
    ['websocket', 'WebSocket'],
    ['sse', 'SSE + POST'],
  ])('names a connected session’s transport (%s)', (transport, shown) => {
    const fields = describeLlmFields(virtualLlm({ ref: 'abcdef012345', connected: true, transport }), undefined, now);
    expect(field(fields, 'Session')).toBe('abcdef012345 (connected)');
    expect(field(fields, 'Transport')).toBe(shown);
  });

  it('shows none for a session that is not connected, or one from an mcpd that does not say', () => {
    expect(field(describeLlmFields(virtualLlm({ ref: 'abcdef012345', connected: false, transport: null }), undefined, now), 'Transport')).toBe('-');
    expect(field(describeLlmFields(virtualLlm({ ref: 'abcdef012345', connected: true }), undefined, now), 'Transport')).toBe('-');
    expect(field(describeLlmFields(virtualLlm(null), undefined, now), 'Transport')).toBe('-');
  });
});

describe('describe llm: its requests', () => {
  it('says what it answers and what waits for it, and nothing from an mcpd that does not say', () => {
    const busy = { ...virtualLlm(null), inFlight: 2, queued: 5 };
    expect(field(describeLlmFields(busy, undefined, now), 'Requests')).toBe('2 in flight, 5 queued');
    expect(field(describeLlmFields(virtualLlm(null), undefined, now), 'Requests')).toBe('-');
  });
});
