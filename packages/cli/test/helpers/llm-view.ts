import { llmViewSchema, type LlmView } from '@mcpctl/protocol';

/** A public LLM view as mcpd answers it; `overrides` change single fields. */
export function llmView(overrides: Partial<LlmView> = {}): LlmView {
  return llmViewSchema.parse({
    id: 'llm_01hx',
    name: 'qwen3',
    kind: 'public',
    type: 'openai',
    model: 'Qwen/Qwen3-8B',
    url: 'http://gpu-1.internal:8000/v1',
    tier: 'fast',
    description: null,
    poolName: null,
    visibility: 'public',
    ownerId: 'user_1',
    owner: 'admin',
    status: 'active',
    hasApiKey: false,
    maxConcurrent: null,
    wakeRecipe: null,
    lastWakeAt: null,
    lastWakeMs: null,
    lastHeartbeatAt: null,
    inactiveSince: null,
    createdAt: '2025-01-01T10:00:00.000Z',
    updatedAt: '2025-01-01T10:05:00.000Z',
    ...overrides,
  });
}
