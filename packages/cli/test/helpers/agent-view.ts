import { agentViewSchema, type AgentView } from '@mcpctl/protocol';

/** A public agent view as mcpd answers it; `overrides` change single fields. */
export function agentView(overrides: Partial<AgentView> = {}): AgentView {
  return agentViewSchema.parse({
    id: 'agt_01hx',
    name: 'reviewer',
    kind: 'public',
    llm: 'qwen3',
    description: 'reviews pull requests',
    systemPrompt: 'You review code.\n\nBe specific.',
    project: 'platform',
    defaultParams: { temperature: 0.2, stop: ['END'] },
    extras: {},
    visibility: 'public',
    ownerId: 'user_1',
    owner: 'admin',
    status: 'active',
    createdAt: '2025-01-01T10:00:00.000Z',
    updatedAt: '2025-01-01T10:05:00.000Z',
    ...overrides,
  });
}
