import type { AgentView, LiveLlmView, PoolView } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { defaultModel, modelLabel, playgroundModels } from '../src/views/playground-models.js';

const llm = (name: string, fields: Partial<LiveLlmView> = {}) => ({ name, kind: 'public', status: 'active', poolName: null, ...fields }) as LiveLlmView;
const pool = (name: string, members: string[] = [], active = 1) => ({ name, members, active, hibernating: 0, inactive: 0 }) as unknown as PoolView;
const agent = (name: string, llmState?: AgentView['llmState'], fields: Partial<AgentView> = {}) => ({ name, llm: 'qwen', kind: 'public', status: 'active', llmState, ...fields }) as AgentView;
const admin = { admin: true, grants: ['*'] };

describe('the models the playground offers', () => {
  it('waits for every live list before offering any', () => {
    expect(playgroundModels([llm('a')], undefined, [])).toBeUndefined();
  });

  it('offers LLMs, usable agents and pools, an LLM hiding an agent or pool of its name, as /v1/models does', () => {
    const offered = playgroundModels([llm('qwen'), llm('team')], [pool('team'), pool('gpus')], [agent('reviewer'), agent('orphan', 'gone'), agent('taken', 'moved'), agent('old', 'pinned')], admin);
    expect(offered).toEqual([
      { id: 'qwen', kind: 'LLM' },
      { id: 'team', kind: 'LLM' },
      { id: 'reviewer', kind: 'agent' },
      { id: 'old', kind: 'agent' },
      { id: 'gpus', kind: 'pool' },
    ]);
  });

  it('marks what the grants do not let the caller run, as the dispatcher judges it', () => {
    const llms = [llm('qwen', { poolName: 'team' }), llm('desk', { kind: 'virtual' }), llm('gpt')];
    const access = { admin: false, grants: ['view:llms', 'run:llms:virtual', 'run:llms on team', 'run:agents'] };
    const offered = playgroundModels(llms, [pool('team', ['qwen']), pool('far', ['unseen'])], [agent('reviewer', 'pinned', { llm: 'gpt' }), agent('helper', 'pinned', { llm: 'qwen' })], access);
    expect(offered).toEqual([
      { id: 'qwen', kind: 'LLM' },
      { id: 'desk', kind: 'LLM' },
      { id: 'gpt', kind: 'LLM', needs: 'run:llms' },
      { id: 'reviewer', kind: 'agent', needs: 'run:llms on gpt' },
      { id: 'helper', kind: 'agent' },
      { id: 'team', kind: 'pool' },
      // A member the caller cannot see: the page cannot tell, so mcpd decides.
      { id: 'far', kind: 'pool' },
    ]);
  });

  it('marks nothing for an mcpd that lists no grants', () => {
    expect(playgroundModels([llm('qwen')], [], [], { admin: false })).toEqual([{ id: 'qwen', kind: 'LLM' }]);
  });

  it("marks a workstation's inactive LLM offline, a hibernating one, and a pool with no active member", () => {
    const offered = playgroundModels([llm('desk', { kind: 'virtual', status: 'inactive' }), llm('big', { status: 'hibernating' }), llm('old', { status: 'inactive' })], [pool('cold', ['old'], 0)], [], admin);
    expect(offered?.map(modelLabel)).toEqual(['desk (offline)', 'big (hibernating)', 'old (inactive)', 'cold (pool, inactive)']);
  });

  it('chooses an active model the caller may run first', () => {
    const offered = playgroundModels([llm('gpt'), llm('desk', { kind: 'virtual', status: 'inactive' }), llm('qwen')], [], [], { admin: false, grants: ['run:llms on desk, qwen'] })!;
    expect(defaultModel(offered)?.id).toBe('qwen');
    expect(modelLabel(offered[0])).toBe('gpt (needs run:llms)');
  });
});
