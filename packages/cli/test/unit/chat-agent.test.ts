import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/run-cli.js';
import { agentView } from '../helpers/agent-view.js';
import { CapturedStream } from '../helpers/captured-stream.js';
import { llmView } from '../helpers/llm-view.js';
import { chunkFrame, usageFrame } from '../helpers/scripted-mcpd.js';
import { answerStatus } from '../helpers/stand-in-status.js';

/*
 * `chat AGENT` against a scripted server speaking mcpd's agent chat contract: the thread id
 * arrives in a header, and the client must send it back with only the new message.
 */

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

interface ChatRequest {
  messages: unknown;
  threadId?: unknown;
  stream?: unknown;
  temperature?: unknown;
}

/** Streams `answer` for every chat, naming thread `thr_new` unless the request named one; fails turn `failTurn`. */
async function startAgentServer(options: { failTurn?: number } = {}): Promise<{ url: string; chats: ChatRequest[] }> {
  const chats: ChatRequest[] = [];
  server = createServer((request, response) => {
    void (async () => {
      response.setHeader('content-type', 'application/json');
      const url = request.url ?? '';
      if (answerStatus(request, response)) return;
      if (request.method === 'GET' && url === '/api/v1/agents/reviewer') return void response.end(JSON.stringify(agentView()));
      if (request.method === 'GET' && url === '/api/v1/llms/qwen3') return void response.end(JSON.stringify(llmView({ status: 'hibernating' })));
      if (request.method === 'GET' && url === '/api/v1/threads/thr_old') {
        return void response.end(JSON.stringify({ id: 'thr_old', agent: 'reviewer', title: 'x', messageCount: 0, createdAt: 'c', updatedAt: 'u', messages: [] }));
      }
      if (request.method === 'POST' && url === '/api/v1/agents/reviewer/chat') {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
        chats.push(body);
        const threadId = typeof body.threadId === 'string' ? body.threadId : 'thr_new';
        response.writeHead(200, { 'content-type': 'text/event-stream', 'x-mcpctl-thread-id': threadId, 'x-mcpctl-served-by': 'qwen3-b' });
        response.write(chunkFrame({ content: `answer ${chats.length}` }));
        if (options.failTurn === chats.length) return void response.end('data: {"error":{"message":"upstream failed","type":"upstream_error"}}\n\n');
        response.write(usageFrame(2));
        return void response.end('data: [DONE]\n\n');
      }
      response.statusCode = 404;
      response.end(JSON.stringify({ error: `not found: ${url}` }));
    })();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, chats };
}

async function chat(url: string, args: string[], options: { stdin?: string[]; tty?: boolean } = {}) {
  const stdout = new CapturedStream({ isTTY: options.tty ?? false });
  const stderr = new CapturedStream({ isTTY: options.tty ?? false, rows: 24, columns: 120 });
  const code = await runCli(['chat', 'reviewer', ...args], {
    stdin: Readable.from(options.stdin ?? []),
    stdout,
    stderr,
    env: { MCPCTL_URL: url, MCPCTL_TOKEN: 't', MCPCTL_HOME: '/nonexistent' },
    onInterrupt: () => () => undefined,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('chat AGENT', () => {
  it('sends only the new message, then the thread the first answer named', async () => {
    const { url, chats } = await startAgentServer();
    const run = await chat(url, [], { stdin: ['first\n', 'second\n', '/clear\n', 'third\n'] });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('answer 1\nanswer 2\nanswer 3\n');
    expect(chats.map(({ messages, threadId }) => ({ messages, threadId }))).toEqual([
      { messages: [{ role: 'user', content: 'first' }], threadId: undefined },
      { messages: [{ role: 'user', content: 'second' }], threadId: 'thr_new' },
      { messages: [{ role: 'user', content: 'third' }], threadId: undefined },
    ]);
    expect(run.stderr).toContain('(new thread; the previous one was thr_new)\n');
    expect(run.stderr.endsWith('Thread: thr_new (continue with: mcpctl chat reviewer --thread thr_new)\n')).toBe(true);
  });

  it("names the agent, its LLM's state, and the pool member that served it", async () => {
    const { url, chats } = await startAgentServer();
    const run = await chat(url, ['--message', 'hi', '--max-tokens', '64'], { tty: true });
    expect(run.code).toBe(0);
    expect(run.stderr.startsWith('Chatting with agent reviewer (llm qwen3 · active). Its LLM qwen3 is hibernating and wakes on the first message.\n')).toBe(true);
    expect(run.stderr).toMatch(/2 tok · [\d.-]+ tok\/s · [\d.]+ m?s · served by qwen3-b\n/);
    // Only what the user set is sent: the agent's defaults (temperature 0.2) are mcpd's to apply.
    expect(chats[0]).toEqual({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 64, stream: true, stream_options: { include_usage: true } });
  });

  it('keeps the thread named by a failed answer, and says so at the end of a one-shot', async () => {
    const { url, chats } = await startAgentServer({ failTurn: 1 });
    const run = await chat(url, [], { stdin: ['first\n', 'second\n'] });
    expect(run.code).toBe(1);
    expect(chats.map((body) => body.threadId)).toEqual([undefined, 'thr_new']);
    expect(run.stderr).toContain('error: upstream failed\n');
    const oneShot = await chat(url, ['--thread', 'thr_old', '--message', 'again']);
    expect(oneShot.code).toBe(0);
    expect(oneShot.stderr).toBe(
      'Chatting with agent reviewer (llm qwen3 · active). Its LLM qwen3 is hibernating and wakes on the first message.\n' +
        'Thread: thr_old (continue with: mcpctl chat reviewer --thread thr_old)\n',
    );
    expect(chats.at(-1)).toMatchObject({ threadId: 'thr_old', messages: [{ role: 'user', content: 'again' }] });
  });
});
