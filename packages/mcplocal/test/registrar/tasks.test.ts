import { DEFAULT_TOKENS } from '@mcpctl/test-kit';
import { chatCompletionChunkSchema, chatCompletionSchema, type TaskResult } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { OllamaProvider } from '../../src/providers/ollama/ollama-provider.js';
import { RegistrarHarness } from './registrar-harness.js';

let harness: RegistrarHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function started(upstreamOptions: Parameters<typeof RegistrarHarness.start>[0] = {}): Promise<RegistrarHarness> {
  harness = await RegistrarHarness.start(upstreamOptions);
  await harness.registrar().start();
  return harness;
}

const REQUEST = { model: 'local-qwen', messages: [{ role: 'user', content: 'Say hello.' }] };

function chunkData(result: TaskResult | undefined): string {
  if (!result || !('chunk' in result)) throw new Error(`expected a chunk result, got ${JSON.stringify(result)}`);
  return result.chunk.data;
}

function isDone(result: TaskResult): boolean {
  return 'chunk' in result && result.chunk.done === true;
}

describe('VirtualLlmRegistrar tasks', () => {
  it('relays a streamed answer as one chunk post per token, in order, then [DONE]', async () => {
    const { mcpd, upstream } = await started({ tokensPerSecond: 40 });
    mcpd.pushTask({ kind: 'infer', taskId: 'task-1', llmName: 'local-qwen', request: REQUEST, streaming: true });

    await mcpd.waitFor('the first chunk', () => mcpd.resultsOf('task-1').length >= 1);
    // The upstream is still generating: the first token went out on its own, not with the rest.
    expect(upstream.inFlight).toBe(1);
    expect(mcpd.resultsOf('task-1').some(isDone)).toBe(false);

    await mcpd.waitFor('[DONE]', () => mcpd.resultsOf('task-1').some(isDone));
    const results = mcpd.resultsOf('task-1');
    expect(results.at(-1)).toEqual({ chunk: { data: '[DONE]', done: true } });
    const chunks = results.slice(0, -1).map((result) => chatCompletionChunkSchema.parse(JSON.parse(chunkData(result))));
    // The server's own first chunk names the role with empty content, as OpenAI's does.
    const contentChunks = chunks.filter((chunk) => Boolean(chunk.choices[0]?.delta.content));
    expect(contentChunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(DEFAULT_TOKENS);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.slice(1).every((chunk) => chunk.choices[0]?.delta.role === undefined)).toBe(true);
    expect(chunks.filter((chunk) => chunk.choices[0]?.finish_reason)).toHaveLength(1);
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    // An OpenAI-dialect server's chunks pass on as it wrote them: its id and model, not the published name.
    expect(chunks.every((chunk) => chunk.model === 'fake-model' && chunk.id.startsWith('chatcmpl-fake-'))).toBe(true);
    // Tokens arrive at the pace the local server makes them, not in one burst at the end.
    const times = mcpd.results.filter((entry) => entry.taskId === 'task-1').map((entry) => entry.at);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(100);
    // Numbered 1, 2, 3…, so that mcpd takes a result posted again only once.
    expect(mcpd.results.filter((entry) => entry.taskId === 'task-1').map((entry) => entry.seq)).toEqual(results.map((_, index) => index + 1));
  });

  it('relays the usage the local server reports as a usage chunk without choices', async () => {
    const { mcpd } = await started();
    mcpd.pushTask({ kind: 'infer', taskId: 'task-u', llmName: 'local-qwen', request: { ...REQUEST, stream_options: { include_usage: true } }, streaming: true });
    await mcpd.waitFor('[DONE]', () => mcpd.resultsOf('task-u').some(isDone));
    const chunks = mcpd.resultsOf('task-u').slice(0, -1).map((result) => chatCompletionChunkSchema.parse(JSON.parse(chunkData(result))));
    const usage = chunks.filter((chunk) => chunk.usage);
    expect(usage).toHaveLength(1);
    expect(usage[0]?.choices).toEqual([]);
    expect(usage[0]?.usage).toMatchObject({ completion_tokens: expect.any(Number), prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) });
  });

  it('answers a non-streaming infer with one whole chat.completion', async () => {
    const { mcpd, upstream } = await started();
    mcpd.pushTask({ kind: 'infer', taskId: 'task-2', llmName: 'local-qwen', request: { ...REQUEST, temperature: 0.2, max_tokens: 64 }, streaming: false });
    await mcpd.waitFor('the answer', () => mcpd.resultsOf('task-2').length === 1);
    const [result] = mcpd.resultsOf('task-2');
    expect(result).toMatchObject({ status: 200 });
    const completion = chatCompletionSchema.parse((result as { body: unknown }).body);
    // The server's own answer, as the public path hands on an upstream's: its id and model.
    expect(completion.model).toBe('fake-model');
    expect(completion.id).toMatch(/^chatcmpl-fake-/);
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: DEFAULT_TOKENS.join('') });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) });
    // The caller's parameters reached the local server; the published name did not replace its model.
    expect(upstream.requests.at(-1)?.body).toMatchObject({ model: 'fake-model', temperature: 0.2, max_tokens: 64, stream: false });
  });

  it('passes max_completion_tokens and a stop string on as the caller wrote them (reasoning models refuse max_tokens)', async () => {
    const { mcpd, upstream } = await started();
    mcpd.pushTask({ kind: 'infer', taskId: 'task-m', llmName: 'local-qwen', request: { ...REQUEST, max_completion_tokens: 33, stop: 'END' }, streaming: false });
    await mcpd.waitFor('the answer', () => mcpd.resultsOf('task-m').length === 1);
    const sent = upstream.requests.at(-1)?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ max_completion_tokens: 33, stop: 'END' });
    expect(sent).not.toHaveProperty('max_tokens');
  });

  it('runs no more than maxConcurrent tasks of a model at once, the rest in the order they came, a cancelled one leaving the line', async () => {
    // Slow answers (half a second each): the cancel surely reaches the line before a slot frees.
    harness = await RegistrarHarness.start({ tokensPerSecond: 10, tokenCount: 5 });
    const { mcpd, upstream } = harness;
    await harness.registrar({ publishedProviders: [harness.localProvider({ maxConcurrent: 2 })] }).start();
    // Five at once, as the tasks of two replicas overlap while a publisher moves between them.
    for (const index of [1, 2, 3, 4, 5]) mcpd.pushTask({ kind: 'infer', taskId: `limited-${index}`, llmName: 'local-qwen', request: REQUEST, streaming: true });
    await eventually('two tasks running', () => upstream.inFlight === 2);
    mcpd.pushTask({ kind: 'cancel', taskId: 'limited-4', llmName: 'local-qwen' });
    for (const taskId of ['limited-1', 'limited-2', 'limited-3', 'limited-5']) {
      await mcpd.waitFor(`${taskId} done`, () => mcpd.resultsOf(taskId).some(isDone));
    }
    expect(upstream.maxInFlight).toBe(2);
    // Four answers reached the local server; the cancelled task never did.
    expect(upstream.requests).toHaveLength(4);
    expect(mcpd.resultsOf('limited-4')).toEqual([]);
    // The waiting tasks started only once a running one had ended, in the order they came. Both
    // slots free in the same millisecond (two equal answers), so the two may start together: the
    // order is "not later", and the clock is milliseconds.
    const firstChunkAt = (taskId: string) => mcpd.results.find((entry) => entry.taskId === taskId)!.at;
    const doneAt = (taskId: string) => mcpd.results.find((entry) => entry.taskId === taskId && isDone(entry.result))!.at;
    const firstFreed = Math.min(doneAt('limited-1'), doneAt('limited-2'));
    expect(firstChunkAt('limited-3')).toBeGreaterThanOrEqual(firstFreed);
    expect(firstChunkAt('limited-5')).toBeGreaterThanOrEqual(firstFreed);
    expect(firstChunkAt('limited-3')).toBeLessThanOrEqual(firstChunkAt('limited-5'));
  });

  it('aborts the local call when mcpd cancels the task', async () => {
    const { mcpd, upstream } = await started({ tokensPerSecond: 10, tokenCount: 50 });
    mcpd.pushTask({ kind: 'infer', taskId: 'task-3', llmName: 'local-qwen', request: REQUEST, streaming: true });
    await mcpd.waitFor('the first chunk', () => mcpd.resultsOf('task-3').length >= 1);
    mcpd.pushTask({ kind: 'cancel', taskId: 'task-3', llmName: 'local-qwen' });
    await upstream.waitForCancelled(1);
    // Once the task has ended, nothing more of it can be posted.
    await eventually('the task ended', () => harness!.lines.info.includes('infer task for local-qwen stopped: mcpd cancelled the task'));
    const results = mcpd.resultsOf('task-3');
    expect(results.some(isDone)).toBe(false);
    expect(results.some((result) => 'error' in result)).toBe(false);
    expect(results.length).toBeLessThan(10);
  });

  it('aborts the local call quietly when mcpd answers a result post with 404', async () => {
    const { mcpd, upstream } = await started({ tokensPerSecond: 10, tokenCount: 50 });
    mcpd.goneTasks.add('task-4');
    mcpd.pushTask({ kind: 'infer', taskId: 'task-4', llmName: 'local-qwen', request: REQUEST, streaming: true });
    await upstream.waitForCancelled(1);
    expect(upstream.requests).toHaveLength(1);
    expect(harness!.lines.warn).toEqual([]);
  });

  it('posts the provider\'s failure as the task error', async () => {
    const { mcpd } = await started({ fail: { status: 500, message: 'CUDA out of memory' } });
    mcpd.pushTask({ kind: 'infer', taskId: 'task-5', llmName: 'local-qwen', request: REQUEST, streaming: true });
    await mcpd.waitFor('the error', () => mcpd.resultsOf('task-5').length === 1);
    const [result] = mcpd.resultsOf('task-5');
    expect(result).toEqual({ error: expect.stringContaining('CUDA out of memory') });
    expect(mcpd.results.find((entry) => entry.taskId === 'task-5')?.seq).toBe(1);
  });

  it("posts the local server's refusal of the request itself as its answer: the status, its words without local addresses, Retry-After in seconds", async () => {
    const { mcpd } = await started({ fail: { status: 429, message: 'too many requests at http://10.1.2.3:8000/v1', retryAfter: '7' } });
    mcpd.pushTask({ kind: 'infer', taskId: 'task-7', llmName: 'local-qwen', request: REQUEST, streaming: true });
    await mcpd.waitFor('the answer', () => mcpd.resultsOf('task-7').length === 1);
    expect(mcpd.resultsOf('task-7')).toEqual([{ status: 429, body: { error: { message: 'too many requests at (local address)' } }, retryAfterSeconds: 7 }]);
  });

  it('posts a refusal mcplocal makes itself (a request the server\'s dialect cannot carry) as a 400 answer with its reason', async () => {
    harness = await RegistrarHarness.start();
    const { mcpd } = harness;
    const ollama = new OllamaProvider({ name: 'local-llama', url: harness.upstream.url, model: 'fake-model' });
    await harness.registrar({ publishedProviders: [harness.localProvider({ publishName: 'llama', type: 'ollama', provider: ollama })] }).start();
    const request = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] };
    mcpd.pushTask({ kind: 'infer', taskId: 'task-r', llmName: 'llama', request, streaming: false });
    await mcpd.waitFor('the answer', () => mcpd.resultsOf('task-r').length === 1);
    expect(mcpd.resultsOf('task-r')).toEqual([{ status: 400, body: { error: { message: 'an image for an Ollama model must be a base64 data: URL' } } }]);
  });

  it('answers a task for a name it does not publish with an error', async () => {
    const { mcpd } = await started();
    mcpd.pushTask({ kind: 'infer', taskId: 'task-6', llmName: 'someone-else', request: REQUEST, streaming: false });
    await mcpd.waitFor('the error', () => mcpd.resultsOf('task-6').length === 1);
    expect(mcpd.resultsOf('task-6')).toEqual([{ error: 'unknown LLM someone-else' }]);
  });

  it('answers a wake for a provider without a recipe with an error, never a pretended success', async () => {
    const { mcpd } = await started();
    mcpd.pushTask({ kind: 'wake', taskId: 'task-7', llmName: 'local-qwen' });
    await mcpd.waitFor('the error', () => mcpd.resultsOf('task-7').length === 1);
    expect(mcpd.resultsOf('task-7')).toEqual([{ error: 'local-qwen has no wake recipe' }]);
  });

  it('ignores task kinds it does not know and malformed frames, and keeps serving', async () => {
    const { mcpd } = await started();
    mcpd.pushTask({ kind: 'reindex', taskId: 'task-8', llmName: 'local-qwen' });
    mcpd.pushRaw('event: task\ndata: {"kind":"infer","taskId":\n\n');
    mcpd.pushTask({ kind: 'infer', taskId: 'task-9', llmName: 'local-qwen', streaming: true });
    mcpd.pushRaw('event: surprise\ndata: {}\n\n');
    mcpd.pushTask({ kind: 'infer', taskId: 'task-10', llmName: 'local-qwen', request: REQUEST, streaming: false });
    await mcpd.waitFor('the valid task\'s answer', () => mcpd.resultsOf('task-10').length === 1);
    expect(mcpd.results.map((entry) => entry.taskId)).toEqual(['task-10']);
    expect(harness!.lines.warn).toEqual([
      'ignored a task of unknown kind "reindex"',
      'ignored a task frame that is not JSON',
      expect.stringMatching(/^ignored a malformed infer task frame/),
      'ignored a control stream event of unknown type "surprise"',
    ]);
    expect(mcpd.openStreams).toBe(1);
  });

  it('serves tasks of different LLMs and tasks concurrently', async () => {
    const { mcpd } = await started({ tokensPerSecond: 50 });
    for (const taskId of ['a', 'b', 'c']) {
      mcpd.pushTask({ kind: 'infer', taskId, llmName: 'local-qwen', request: REQUEST, streaming: true });
    }
    await mcpd.waitFor('three [DONE]s', () => mcpd.results.filter((entry) => isDone(entry.result)).length === 3, 10_000);
    for (const taskId of ['a', 'b', 'c']) expect(mcpd.resultsOf(taskId).at(-1)).toEqual({ chunk: { data: '[DONE]', done: true } });
    // Interleaved, not one after the other.
    const order = mcpd.results.map((entry) => entry.taskId);
    expect(order.indexOf('b')).toBeLessThan(order.lastIndexOf('a'));
  });

  it('aborts running local calls when it stops', async () => {
    harness = await RegistrarHarness.start({ tokensPerSecond: 10, tokenCount: 50 });
    const { mcpd, upstream } = harness;
    const registrar = harness.registrar();
    await registrar.start();
    mcpd.pushTask({ kind: 'infer', taskId: 'task-11', llmName: 'local-qwen', request: REQUEST, streaming: true });
    await mcpd.waitFor('the first chunk', () => mcpd.resultsOf('task-11').length >= 1);
    await registrar.stop();
    await upstream.waitForCancelled(1, 1_000);
    expect(mcpd.resultsOf('task-11').some(isDone)).toBe(false);
  });
});
