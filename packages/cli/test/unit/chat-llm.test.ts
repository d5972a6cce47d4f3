import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/run-cli.js';
import { CapturedStream } from '../helpers/captured-stream.js';
import { llmView } from '../helpers/llm-view.js';
import { chunkFrame, openEventStream, pause, startScriptedMcpd, usageFrame, type InferScript, type ScriptedMcpd } from '../helpers/scripted-mcpd.js';

let mcpd: ScriptedMcpd | undefined;

afterEach(async () => {
  await mcpd?.close();
  mcpd = undefined;
});

interface Run {
  code: number;
  stdout: CapturedStream;
  stderr: CapturedStream;
}

async function chat(
  script: InferScript,
  args: string[],
  options: { tty?: boolean; stdin?: string[]; interruptAfterMs?: number; target?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  mcpd = await startScriptedMcpd([llmView({ poolName: 'gpu' }), llmView({ id: 'llm_02hx', name: 'qwen3-b', poolName: 'gpu', status: 'hibernating' })], script);
  const stdout = new CapturedStream({ isTTY: options.tty ?? false });
  const stderr = new CapturedStream({ isTTY: options.tty ?? false, rows: 24, columns: 100 });
  const listeners = new Set<() => void>();
  const timer =
    options.interruptAfterMs === undefined
      ? undefined
      : setTimeout(() => {
          for (const listener of listeners) listener();
        }, options.interruptAfterMs);
  const code = await runCli(['chat-llm', options.target ?? 'qwen3', ...args], {
    stdin: Readable.from(options.stdin ?? []),
    stdout,
    stderr,
    env: { MCPCTL_URL: mcpd.url, MCPCTL_TOKEN: 'test-token', MCPCTL_HOME: '/nonexistent', ...options.env },
    onInterrupt: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('chat-llm and the request timeout', () => {
  it('waits for a model longer than MCPCTL_REQUEST_TIMEOUT, streamed or whole: only other requests are cut', async () => {
    const late: InferScript = async (_request, response) => {
      await pause(1_400);
      openEventStream(response, 'qwen3');
      response.write(chunkFrame({ content: 'late' }, { choices: [{ index: 0, delta: { content: 'late' }, finish_reason: 'stop' }] }));
      response.end('data: [DONE]\n\n');
    };
    const streamed = await chat(late, ['--message', 'hi'], { env: { MCPCTL_REQUEST_TIMEOUT: '1s' } });
    expect(streamed.code).toBe(0);
    expect(streamed.stdout.text).toBe('late\n');
  });
});

describe('chat-llm against the infer stream contract', () => {
  it('waits through waking comments, shows reasoning dimmed on a terminal, and summarises', async () => {
    const run = await chat(
      async (_request, response) => {
        openEventStream(response, 'qwen3-b');
        response.write(': waking qwen3 1s\n\n');
        await pause(120);
        response.write(': waking qwen3 2s\n\n: ping\n\n');
        response.write(chunkFrame({ role: 'assistant', reasoning_content: 'Let me think.' }));
        await pause(20);
        response.write(chunkFrame({ reasoning: ' Done.' }));
        await pause(20);
        response.write(chunkFrame({ content: 'Hello' }));
        await pause(20);
        response.write(chunkFrame({ content: ' there' }, { choices: [{ index: 0, delta: { content: ' there' }, finish_reason: 'stop' }] }));
        response.write(usageFrame(7));
        response.end('data: [DONE]\n\n');
      },
      ['--message', 'hi'],
      { tty: true },
    );
    expect(run.code).toBe(0);
    expect(run.stdout.text).toBe('\u001b[2mLet me think. Done.\u001b[22m\n\nHello there\n');
    expect(run.stderr.text).toContain('Chatting with qwen3 (openai · Qwen/Qwen3-8B · public · active).');
    expect(run.stderr.text).toContain('waking qwen3 · ');
    expect(run.stderr.text).toMatch(/ttft \d+ ms · 7 tok · [\d.]+ tok\/s · [\d.]+ (ms|s) · thought [1-9]\d+ ms \(2 tok\) · served by qwen3-b\n$/);
    expect(mcpd?.inferBodies[0]).toEqual({
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('keeps stdout to the answer alone when it is not a terminal', async () => {
    const run = await chat(
      (_request, response) => {
        openEventStream(response);
        response.write(': waking qwen3 1s\n\n');
        response.write(chunkFrame({ reasoning_content: 'hidden' }));
        response.write(chunkFrame({ content: 'Answer.' }));
        response.end('data: [DONE]\n\n');
      },
      ['--message', 'hi', '--system', 'Be brief.', '--temperature', '0.2', '--max-tokens', '64'],
    );
    expect(run.code).toBe(0);
    expect(run.stdout.text).toBe('Answer.\n');
    expect(run.stderr.text).toBe(
      'Chatting with qwen3 (openai · Qwen/Qwen3-8B · public · active).\nwaking qwen3: the model is starting, waiting…\n',
    );
    expect(mcpd?.inferBodies[0]).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      temperature: 0.2,
      max_tokens: 64,
    });
  });

  it('prints a mid-stream error as one line and exits 1', async () => {
    const run = await chat(
      (_request, response) => {
        openEventStream(response);
        response.write(chunkFrame({ content: 'partial' }));
        response.end('data: {"error":{"message":"upstream qwen3 failed: connection reset","type":"upstream_error"}}\n\n');
      },
      ['--message', 'hi'],
    );
    expect(run.code).toBe(1);
    expect(run.stdout.text).toBe('partial\n');
    expect(run.stderr.text.split('\n').filter((line) => line.startsWith('error:'))).toEqual([
      'error: upstream qwen3 failed: connection reset',
    ]);
  });

  it('reports a stream cut before [DONE]', async () => {
    const run = await chat(
      (_request, response) => {
        openEventStream(response);
        response.end(chunkFrame({ content: 'cut' }));
      },
      ['--message', 'hi'],
    );
    expect(run.code).toBe(1);
    expect(run.stderr.text).toContain('error: the answer stream from mcpd ended before it was complete\n');
  });

  it('aborts the request on Ctrl-C during a one-shot answer, closing the connection', async () => {
    const run = await chat(
      async (_request, response) => {
        openEventStream(response);
        response.write(chunkFrame({ content: 'slow' }));
        await pause(5_000);
        response.end('data: [DONE]\n\n');
      },
      ['--message', 'hi'],
      { interruptAfterMs: 150 },
    );
    expect(run.code).toBe(130);
    expect(run.stderr.text).toContain('error: interrupted\n');
    await expect(mcpd?.aborted).resolves.toBeUndefined();
  });

  it('prints the whole answer with --no-stream', async () => {
    const run = await chat(
      (request, response) => {
        expect(request.body.stream).toBe(false);
        response.setHeader('x-mcpctl-served-by', 'qwen3');
        response.end(
          JSON.stringify({
            id: 'chatcmpl-2',
            object: 'chat.completion',
            created: 1,
            model: 'm',
            choices: [{ index: 0, message: { role: 'assistant', content: 'Whole answer.' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
          }),
        );
      },
      ['--message', 'hi', '--no-stream'],
    );
    expect(run.code).toBe(0);
    expect(run.stdout.text).toBe('Whole answer.\n');
  });

  it('keeps the REPL going after Ctrl-C aborts an answer, and keeps only completed exchanges', async () => {
    let calls = 0;
    const run = await chat(
      async (_request, response) => {
        calls += 1;
        openEventStream(response);
        if (calls === 1) {
          response.write(chunkFrame({ content: 'never finished' }));
          await pause(5_000);
        }
        response.write(chunkFrame({ content: `answer ${calls}` }));
        response.end('data: [DONE]\n\n');
      },
      [],
      { stdin: ['first\n', 'second\n'], interruptAfterMs: 200 },
    );
    expect(run.code).toBe(0);
    expect(run.stderr.text).toContain('(interrupted)');
    expect(mcpd?.inferBodies.map((body) => body.messages)).toEqual([
      [{ role: 'user', content: 'first' }],
      [{ role: 'user', content: 'second' }],
    ]);
    expect(run.stdout.text).toBe('never finished\nanswer 2\n');
  });

  it('chats with a pool, naming its members in the header', async () => {
    const run = await chat(
      (_request, response) => {
        openEventStream(response, 'qwen3-b');
        response.write(chunkFrame({ content: 'From the pool.' }));
        response.end('data: [DONE]\n\n');
      },
      ['--message', 'hi'],
      { target: 'gpu' },
    );
    expect(run.code).toBe(0);
    expect(run.stderr.text).toBe('Chatting with pool gpu (2 members: qwen3 (active), qwen3-b (hibernating)).\n');
    expect(run.stdout.text).toBe('From the pool.\n');
  });

  it('chats with an LLM given by its id under the name its header says', async () => {
    const run = await chat(
      (_request, response) => {
        openEventStream(response, 'qwen3-b');
        response.write(chunkFrame({ content: 'By its id.' }));
        response.end('data: [DONE]\n\n');
      },
      ['--message', 'hi'],
      { target: 'llm_02hx' },
    );
    expect(run.code).toBe(0);
    expect(run.stderr.text).toBe('Chatting with qwen3-b (openai · Qwen/Qwen3-8B · public · hibernating). It is hibernating and wakes on the first message.\n');
    expect(mcpd?.inferPaths).toEqual(['/api/v1/llms/qwen3-b/infer']);
    expect(run.stdout.text).toBe('By its id.\n');
  });

  it('fails with one line when the name is neither an LLM nor a pool', async () => {
    const run = await chat(() => undefined, ['--message', 'hi'], { target: 'nope' });
    expect(run.code).toBe(1);
    expect(run.stderr.text).toBe("error: LLM not found: nope — run 'mcpctl get llms' to list them\n");
    expect(mcpd?.inferBodies).toEqual([]);
  });
});
