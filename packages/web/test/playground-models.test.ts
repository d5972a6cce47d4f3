import type { LiveAgentView, LiveLlmView, PoolView } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { defaultModel, modelLabel, playgroundModels } from '../src/views/playground-models.js';

const llm = (name: string, fields: Partial<LiveLlmView> = {}) => ({ name, kind: 'public', status: 'active', poolName: null, mayRun: true, ...fields }) as LiveLlmView;
const pool = (name: string, members: string[] = [], active = 1) => ({ name, members, active, hibernating: 0, inactive: 0 }) as unknown as PoolView;
const agent = (name: string, llmState?: LiveAgentView['llmState'], fields: Partial<LiveAgentView> = {}) =>
  ({ name, llm: 'qwen', kind: 'public', status: 'active', llmState, mayRun: true, ...fields }) as LiveAgentView;

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

  it("marks what mcpd says the caller may not run: an LLM, an agent, the LLM behind an agent, a pool none of whose members it may run", () => {
    const llms = [llm('qwen', { poolName: 'team' }), llm('desk', { kind: 'virtual' }), llm('gpt', { mayRun: false }), llm('old', { poolName: 'cold', mayRun: false })];
    const pools = [pool('team', ['qwen']), pool('cold', ['old']), pool('far', ['unseen'])];
    const agents = [agent('reviewer', 'pinned', { llm: 'gpt' }), agent('helper', 'pinned', { llm: 'qwen' }), agent('secret', 'pinned', { mayRun: false }), agent('pooled', undefined, { llm: 'cold' }), agent('locked', 'pinned', { llm: 'gpt', mayRun: false })];
    expect(playgroundModels(llms, pools, agents)).toEqual([
      { id: 'qwen', kind: 'LLM' },
      { id: 'desk', kind: 'LLM' },
      { id: 'gpt', kind: 'LLM', needs: 'run:llms' },
      { id: 'old', kind: 'LLM', needs: 'run:llms' },
      { id: 'reviewer', kind: 'agent', needs: 'run:llms on gpt' },
      { id: 'helper', kind: 'agent' },
      { id: 'secret', kind: 'agent', needs: 'run:agents' },
      { id: 'pooled', kind: 'agent', needs: 'run:llms on cold' },
      // Both grants missing: both named.
      { id: 'locked', kind: 'agent', needs: 'run:agents and run:llms on gpt' },
      { id: 'team', kind: 'pool' },
      { id: 'cold', kind: 'pool', needs: 'run:llms on one of its members' },
      // A member the caller cannot see: the page cannot tell, so mcpd decides.
      { id: 'far', kind: 'pool' },
    ]);
  });

  it("marks a workstation's inactive LLM offline, a hibernating one, and a pool with no active member", () => {
    const offered = playgroundModels([llm('desk', { kind: 'virtual', status: 'inactive' }), llm('big', { status: 'hibernating' }), llm('old', { status: 'inactive' })], [pool('cold', ['old'], 0)], []);
    expect(offered?.map(modelLabel)).toEqual(['desk (offline)', 'big (hibernating)', 'old (inactive)', 'cold (pool, inactive)']);
  });

  it('chooses an active model the caller may run first', () => {
    const offered = playgroundModels([llm('gpt', { mayRun: false }), llm('desk', { kind: 'virtual', status: 'inactive' }), llm('qwen')], [], [])!;
    expect(defaultModel(offered)?.id).toBe('qwen');
    expect(modelLabel(offered[0])).toBe('gpt (needs run:llms)');
  });
});
