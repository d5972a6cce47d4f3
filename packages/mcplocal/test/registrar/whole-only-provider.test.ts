import { chatCompletionChunkSchema, type TaskResult } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompletionOptions, CompletionResult, LlmProvider } from '../../src/index.js';
import { RegistrarHarness } from './registrar-harness.js';

let harness: RegistrarHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** An embedder's provider as the exported interface allows it: whole answers only, no `stream`. */
function wholeOnlyProvider(calls: CompletionOptions[]): LlmProvider {
  return {
    name: 'embedded',
    async complete(options): Promise<CompletionResult> {
      calls.push(options);
      return { content: 'Hello from a whole answer.', toolCalls: [], usage: { promptTokens: 7, completionTokens: 5, totalTokens: 12 }, finishReason: 'stop' };
    },
    listModels: async () => ['embedded-model'],
    isAvailable: async () => true,
  };
}

function frame(result: TaskResult): string {
  if (!('chunk' in result)) throw new Error(`expected a chunk, got ${JSON.stringify(result)}`);
  return result.chunk.data;
}

describe('a provider without stream', () => {
  it('serves a streaming task as one content chunk, a finish chunk and [DONE]', async () => {
    harness = await RegistrarHarness.start();
    const calls: CompletionOptions[] = [];
    const registrar = harness.registrar({ publishedProviders: [{ provider: wholeOnlyProvider(calls), type: 'openai', model: 'embedded-model' }] });
    await registrar.start();
    const { mcpd } = harness;
    mcpd.pushTask({ kind: 'infer', taskId: 'embedded-1', llmName: 'embedded', request: { messages: [{ role: 'user', content: 'Hi' }] }, streaming: true });
    await mcpd.waitFor('[DONE]', () => mcpd.resultsOf('embedded-1').some((result) => 'chunk' in result && result.chunk.done === true));

    const frames = mcpd.resultsOf('embedded-1').map(frame);
    expect(frames.at(-1)).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((data) => chatCompletionChunkSchema.parse(JSON.parse(data)));
    const choices = chunks.filter((chunk) => chunk.choices.length > 0).map((chunk) => chunk.choices[0]!);
    expect(choices).toEqual([
      { index: 0, delta: { role: 'assistant', content: 'Hello from a whole answer.' }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: 'stop' },
    ]);
    // The usage the whole answer reported still reaches mcpd, which forwards it when the caller asked.
    expect(chunks.find((chunk) => chunk.choices.length === 0)?.usage).toEqual({ prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(calls).toHaveLength(1);
    expect(harness.lines.warn).toEqual([]);
  });
});
