import { describe, expect, it } from 'vitest';
import { agentHeader } from '../../src/chat/agent-header.js';
import { agentView } from '../helpers/agent-view.js';
import { llmView } from '../helpers/llm-view.js';

describe('the chat header of an agent', () => {
  it('says an agent whose LLM is gone or changed hands cannot answer, whatever the name answers to now', () => {
    expect(agentHeader(agentView({ llmState: 'gone' }), undefined, true)).toBe(
      'Chatting with agent reviewer (llm qwen3 (gone) · active). It cannot answer: its LLM qwen3 is gone; mcpctl describe agent reviewer says what to do.',
    );
    expect(agentHeader(agentView({ llmState: 'moved' }), llmView({ status: 'active' }), false)).toBe(
      'Chatting with agent reviewer (llm qwen3 (moved) · active). It cannot answer: qwen3 now names something else than what it was pointed at; mcpctl describe agent reviewer says what to do. Ctrl-D to quit, /clear starts a new thread.',
    );
  });

  it('names the state of a pinned LLM as before', () => {
    expect(agentHeader(agentView({ llmState: 'pinned' }), llmView({ status: 'inactive' }), true)).toBe(
      'Chatting with agent reviewer (llm qwen3 · active). Its LLM qwen3 is offline: requests fail until its publisher reconnects.',
    );
  });

  it('says the other members of its pool answer while a pinned pool member is offline', () => {
    expect(agentHeader(agentView({ llmState: 'pinned' }), llmView({ status: 'inactive', poolName: 'qp' }), true)).toBe(
      'Chatting with agent reviewer (llm qwen3 · active). Its LLM qwen3 is offline: the other members of pool qp answer until it is back.',
    );
  });
});
