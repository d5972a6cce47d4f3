import type { AgentView, LiveLlmView, PoolView } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { playgroundModels } from '../src/views/playground-models.js';

const llm = (name: string) => ({ name }) as LiveLlmView;
const pool = (name: string) => ({ name, members: [] }) as unknown as PoolView;
const agent = (name: string, llmState?: AgentView['llmState']) => ({ name, llmState }) as AgentView;

describe('the models the playground offers', () => {
  it('waits for every live list before offering any', () => {
    expect(playgroundModels([llm('a')], undefined, [])).toBeUndefined();
  });

  it('offers LLMs, usable agents and pools, an LLM hiding an agent or pool of its name, as /v1/models does', () => {
    const offered = playgroundModels([llm('qwen'), llm('team')], [pool('team'), pool('gpus')], [agent('reviewer'), agent('orphan', 'gone'), agent('taken', 'moved'), agent('old', 'pinned')]);
    expect(offered).toEqual([
      { id: 'qwen', kind: 'LLM' },
      { id: 'team', kind: 'LLM' },
      { id: 'reviewer', kind: 'agent' },
      { id: 'old', kind: 'agent' },
      { id: 'gpus', kind: 'pool' },
    ]);
  });
});
