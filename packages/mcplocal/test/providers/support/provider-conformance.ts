import { providerEntrySchema, type ProviderEntry } from '@mcpctl/protocol';
import { startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/errors.js';
import { createProvider } from '../../../src/providers/create-provider.js';
import { isAbortError } from '../../../src/providers/is-abort-error.js';
import type { CompletionOptions, LlmProvider, StreamDelta } from '../../../src/providers/llm-provider.js';
import { closedPortUrl, startSilentServer } from './closed-port.js';

const TOKENS = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' dog.'];
const QUESTION: CompletionOptions = { messages: [{ role: 'user', content: 'Tell me about foxes.' }] };

/** Where each dialect lives on the fake upstream, as a user would write it in config.json. */
export type ProviderType = 'openai' | 'anthropic' | 'ollama';

export function entryFor(type: ProviderType, url: string, fields: Partial<ProviderEntry> = {}): ProviderEntry {
  return providerEntrySchema.parse({ name: `local-${type}`, type, url, model: 'served-model', ...fields });
}

/** A provider that streams: every dialect's does (`stream` is optional only for embedders' own providers). */
export type StreamingProvider = LlmProvider & Required<Pick<LlmProvider, 'stream'>>;

export function providerFor(type: ProviderType, url: string, fields: Partial<ProviderEntry> = {}): StreamingProvider {
  const provider = createProvider(entryFor(type, url, fields), {});
  if (!streams(provider)) throw new Error(`the ${type} provider has no stream()`);
  return provider;
}

function streams(provider: LlmProvider): provider is StreamingProvider {
  return provider.stream !== undefined;
}

export async function collect(stream: AsyncIterable<StreamDelta>): Promise<Array<StreamDelta & { at: number }>> {
  const deltas: Array<StreamDelta & { at: number }> = [];
  for await (const delta of stream) deltas.push({ ...delta, at: performance.now() });
  return deltas;
}

export function textOf(deltas: readonly StreamDelta[]): string {
  return deltas.map((delta) => (delta.type === 'text' ? delta.text : '')).join('');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** What every provider must do against a real server of its dialect. */
export function describeProviderConformance(type: ProviderType): void {
  describe(`${type} provider against the fake upstream`, () => {
    let upstream: FakeUpstream;
    let provider: StreamingProvider;

    beforeEach(async () => {
      upstream = await startFakeUpstream({ tokens: TOKENS, model: 'served-model' });
      provider = providerFor(type, upstream.url);
    });
    afterEach(async () => {
      await upstream.close();
    });

    it('completes a chat with content, usage and finish reason', async () => {
      const result = await provider.complete(QUESTION);
      expect(result.content).toBe(TOKENS.join(''));
      expect(result.finishReason).toBe('stop');
      expect(result.toolCalls).toEqual([]);
      expect(result.usage.completionTokens).toBe(TOKENS.length);
      expect(result.usage.promptTokens).toBeGreaterThan(0);
      expect(result.usage.totalTokens).toBe(result.usage.promptTokens + result.usage.completionTokens);
      expect((upstream.requests.at(-1)?.body as { model?: unknown }).model).toBe('served-model');
    });

    it('reports a token limit as finish reason length', async () => {
      const result = await provider.complete({ ...QUESTION, maxTokens: 3 });
      expect(result.content).toBe(TOKENS.slice(0, 3).join(''));
      expect(result.finishReason).toBe('length');
    });

    it('streams deltas as the server produces them, then finish and usage', async () => {
      upstream.setBehavior({ tokensPerSecond: 25 });
      const deltas = await collect(provider.stream(QUESTION));
      const texts = deltas.filter((delta) => delta.type === 'text');
      expect(textOf(deltas)).toBe(TOKENS.join(''));
      // Eight tokens 40 ms apart: the first must reach the caller long before the last.
      expect(texts.at(-1)!.at - texts[0]!.at).toBeGreaterThan(150);
      const finish = deltas.find((delta) => delta.type === 'finish');
      expect(finish).toMatchObject({ type: 'finish', reason: 'stop' });
      const usage = deltas.at(-1);
      expect(usage).toMatchObject({ type: 'usage', usage: { completionTokens: TOKENS.length } });
      expect(deltas.indexOf(finish!)).toBeGreaterThan(deltas.indexOf(texts.at(-1)!));
    });

    it('lists the models the server offers and says it is available', async () => {
      expect(await provider.listModels()).toEqual(['served-model']);
      expect(await provider.isAvailable()).toBe(true);
    });

    it('says a closed port is unavailable, at once', async () => {
      // A key in the query (some servers take one there) stays out of the message.
      const closed = providerFor(type, `${await closedPortUrl()}?api-key=QUERYSECRET`);
      const started = performance.now();
      expect(await closed.isAvailable()).toBe(false);
      expect(performance.now() - started).toBeLessThan(1_000);
      const error = await rejection(closed.complete(QUESTION));
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).status).toBe(502);
      expect((error as ProviderError).message).toMatch(/cannot reach provider .*ECONNREFUSED/);
      expect((error as ProviderError).message).not.toContain('QUERYSECRET');
    });

    it('gives up on a server that accepts but never answers within the availability timeout', async () => {
      const silent = await startSilentServer();
      try {
        const entry = entryFor(type, silent.url);
        const hanging = createProvider(entry, {});
        const started = performance.now();
        const available = await hanging.isAvailable({ signal: AbortSignal.timeout(300) });
        expect(available).toBe(false);
        expect(performance.now() - started).toBeLessThan(1_500);
      } finally {
        await silent.close();
      }
    });

    it('aborting mid-stream closes the connection and rejects with an abort error', async () => {
      upstream.setBehavior({ tokenCount: 200, tokensPerSecond: 20 });
      const controller = new AbortController();
      const iterator = provider.stream({ ...QUESTION, signal: controller.signal })[Symbol.asyncIterator]();
      let first = await iterator.next();
      while (!first.done && first.value.type !== 'text') first = await iterator.next();
      expect(first.done).toBe(false);
      controller.abort();
      // The server sees the connection close even while nobody is reading the stream.
      await upstream.waitForCancelled(1, 2_000);
      const error = await rejection(iterator.next());
      expect(isAbortError(error)).toBe(true);
      expect(error).not.toBeInstanceOf(ProviderError);
    });

    it('rejects with the exact reason the caller aborted with', async () => {
      upstream.setBehavior({ latencyMs: 5_000 });
      const controller = new AbortController();
      const reason = new Error('task cancelled by mcpd');
      setTimeout(() => controller.abort(reason), 50);
      const error = await rejection(provider.complete({ ...QUESTION, signal: controller.signal }));
      expect(error).toBe(reason);
      expect(isAbortError(error, controller.signal)).toBe(true);
      await upstream.waitForCancelled(1, 2_000);
    });

    it('closes the connection when the caller stops reading early', async () => {
      upstream.setBehavior({ tokenCount: 200, tokensPerSecond: 20 });
      for await (const delta of provider.stream(QUESTION)) {
        if (delta.type === 'text') break;
      }
      await upstream.waitForCancelled(1, 2_000);
    });

    it('turns a server error into a ProviderError with its status and message', async () => {
      upstream.setBehavior({ fail: { status: 500, message: 'the GPU caught fire' } });
      const error = await rejection(provider.complete(QUESTION));
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).status).toBe(500);
      expect((error as ProviderError).serverMessage).toBe('the GPU caught fire');
      expect((error as ProviderError).message).toContain('the GPU caught fire');

      const streamError = await rejection(collect(provider.stream(QUESTION)));
      expect(streamError).toBeInstanceOf(ProviderError);
      expect((streamError as ProviderError).status).toBe(500);
    });

    it('sends the API key the server demands', async () => {
      upstream.setBehavior({ apiKey: 'sekret-key' });
      const keyless = await rejection(provider.complete(QUESTION));
      expect((keyless as ProviderError).status).toBe(401);
      const withKey = createProvider(entryFor(type, upstream.url, { apiKeyEnv: 'LOCAL_KEY' }), { LOCAL_KEY: 'sekret-key' });
      expect((await withKey.complete(QUESTION)).content).toBe(TOKENS.join(''));
      // The fake serves `/v1/models` in OpenAI's dialect only (Bearer), where Anthropic sends x-api-key.
      if (type !== 'anthropic') expect(await withKey.isAvailable()).toBe(true);
    });

    it('fails a stream cut off mid-answer with a ProviderError, not a short answer', async () => {
      upstream.setBehavior({ mode: 'cut-mid-stream', tokensPerSecond: 200 });
      const error = await rejection(collect(provider.stream(QUESTION)));
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).status).toBe(502);
    });

    it('fails a stream of frames that are not JSON with a ProviderError', async () => {
      upstream.setBehavior({ mode: 'garbage' });
      const error = await rejection(collect(provider.stream(QUESTION)));
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).status).toBe(502);
      const completeError = await rejection(provider.complete(QUESTION));
      expect((completeError as ProviderError).status).toBe(502);
    });
  });
}
