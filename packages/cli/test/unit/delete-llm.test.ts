import type { AgentView, LlmView } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { agentView } from '../helpers/agent-view.js';
import { llmView } from '../helpers/llm-view.js';
import { runInProcess as run, startStandInMcpd, type StandInMcpd } from '../helpers/stand-in-mcpd.js';
import { answerStatus } from '../helpers/stand-in-status.js';

let mcpd: StandInMcpd | undefined;

/** `GET` and `DELETE /api/v1/llms/NAME` for one LLM as mcpd answers them; `deleted` lists the names it removed. */
async function mcpdHolding(view: LlmView, agents: AgentView[] = []): Promise<{ env: Record<string, string>; deleted: string[] }> {
  const deleted: string[] = [];
  let present = true;
  mcpd = await startStandInMcpd((request, response) => {
    if (answerStatus(request, response)) return;
    if (request.method === 'GET' && request.url === '/api/v1/agents') {
      response.end(JSON.stringify(agents));
    } else if (!present || request.url !== `/api/v1/llms/${view.name}`) {
      response.writeHead(404).end(JSON.stringify({ error: `LLM not found: ${request.url ?? ''}` }));
    } else if (request.method === 'DELETE') {
      present = false;
      deleted.push(view.name);
      response.writeHead(204).end();
    } else {
      response.end(JSON.stringify(view));
    }
  });
  return { env: mcpd.env, deleted };
}

afterEach(async () => {
  await mcpd?.close();
  mcpd = undefined;
});

describe('delete llm', () => {
  it('says that an LLM an mcplocal publishes comes back when it registers again, connected now or not, and how to stop publishing it', async () => {
    for (const connected of [true, false]) {
      const published = llmView({ name: 'qwen-desk', kind: 'virtual', url: null, providerSession: { ref: 'ps-1', connected, transport: connected ? 'websocket' : null } });
      const held = await mcpdHolding(published);
      expect(await run(['delete', 'llms', 'qwen-desk'], held.env)).toEqual({
        code: 0,
        stdout: 'llm/qwen-desk deleted\n',
        stderr:
          'note: qwen-desk is published by an mcplocal: it comes back when that mcplocal registers again (when it restarts or reconnects); to stop publishing it, set "publish": false for it in that mcplocal\'s config.json\n',
      });
      expect(held.deleted).toEqual(['qwen-desk']);
      await mcpd?.close();
      mcpd = undefined;
    }
  });

  it('names the agents pinned to the LLM it deleted, which cannot answer now', async () => {
    const agents = [agentView({ name: 'reviewer', llm: 'gpt' }), agentView({ name: 'writer', llm: 'gpt' }), agentView({ name: 'other', llm: 'qwen3' })];
    const held = await mcpdHolding(llmView({ name: 'gpt' }), agents);
    expect(await run(['delete', 'llm', 'gpt'], held.env)).toEqual({
      code: 0,
      stdout: 'llm/gpt deleted\n',
      stderr: 'note: agents reviewer, writer are pinned to gpt and cannot answer until pointed at another LLM; mcpctl describe agent reviewer says what to do\n',
    });
  });

  it('deletes a public LLM without a note', async () => {
    const held = await mcpdHolding(llmView({ name: 'gpt' }));
    expect(await run(['delete', 'llm', 'gpt'], held.env)).toEqual({ code: 0, stdout: 'llm/gpt deleted\n', stderr: '' });
    expect(held.deleted).toEqual(['gpt']);
  });
});

describe('delete agent', () => {
  /** `GET` and `DELETE /api/v1/agents/NAME` for one agent as mcpd answers them. */
  async function mcpdHoldingAgent(view: AgentView): Promise<{ env: Record<string, string>; deleted: string[] }> {
    const deleted: string[] = [];
    mcpd = await startStandInMcpd((request, response) => {
      if (answerStatus(request, response)) return;
      if (request.url !== `/api/v1/agents/${view.name}` || deleted.length > 0) {
        response.writeHead(404).end(JSON.stringify({ error: `agent not found: ${request.url ?? ''}` }));
      } else if (request.method === 'DELETE') {
        deleted.push(view.name);
        response.writeHead(204).end();
      } else {
        response.end(JSON.stringify(view));
      }
    });
    return { env: mcpd.env, deleted };
  }

  it('says that an agent an mcplocal publishes comes back when it registers again, and how to stop publishing it', async () => {
    const held = await mcpdHoldingAgent(agentView({ name: 'alice-helper', kind: 'virtual', visibility: 'private' }));
    expect(await run(['delete', 'agent', 'alice-helper'], held.env)).toEqual({
      code: 0,
      stdout: 'agent/alice-helper deleted\n',
      stderr:
        'note: alice-helper is published by an mcplocal: it comes back when that mcplocal registers again (when it restarts or reconnects); to stop publishing it, remove it from "agents" in that mcplocal\'s config.json\n',
    });
    expect(held.deleted).toEqual(['alice-helper']);
  });

  it('deletes a public agent without a note, and names one that is not there', async () => {
    const held = await mcpdHoldingAgent(agentView({ name: 'reviewer' }));
    expect(await run(['delete', 'agent', 'reviewer'], held.env)).toEqual({ code: 0, stdout: 'agent/reviewer deleted\n', stderr: '' });
    const again = await run(['delete', 'agent', 'reviewer'], held.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('reviewer');
  });
});
