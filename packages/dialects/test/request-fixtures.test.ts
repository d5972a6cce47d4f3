import { describe, expect, it } from 'vitest';
import { anthropicRequestSchema, chatCompletionRequestSchema, ollamaChatRequestSchema } from '@mcpctl/protocol';
import { TranslationError, toAnthropicRequest, toOllamaRequest, toOpenAiRequestBody } from '../src/index.js';
import { anthropicRequestCases } from './fixtures/openai-to-anthropic-requests.js';
import { ollamaRequestCases } from './fixtures/openai-to-ollama-requests.js';
import { openAiBodyCases } from './fixtures/small-mappings.js';

/** Parses like mcpd's route and mcplocal's registrar do, so each case is a request a client could send. */
const parse = (request: Record<string, unknown>) => chatCompletionRequestSchema.parse(request);

/** A case's translation equals what it expects and passes the target's schema, or throws its 400. */
function check(translate: () => unknown, schema: { parse(value: unknown): unknown }, expected: unknown, error: RegExp | undefined): void {
  if (error) {
    expect(translate).toThrow(TranslationError);
    expect(translate).toThrow(error);
    return;
  }
  const translated = translate();
  expect(translated).toEqual(expected);
  expect(schema.parse(translated)).toEqual(translated);
}

describe('OpenAI request -> Anthropic request', () => {
  it.each(anthropicRequestCases)('$name', ({ request, expected, error }) => {
    check(() => toAnthropicRequest(parse(request), 'claude-upstream'), anthropicRequestSchema, expected, error);
  });
});

describe('OpenAI request -> Ollama request', () => {
  it.each(ollamaRequestCases)('$name', ({ request, expected, error }) => {
    check(() => toOllamaRequest(parse(request), 'qwen3', false), ollamaChatRequestSchema, expected, error);
  });
});

describe('OpenAI request -> OpenAI-compatible upstream body', () => {
  it.each(openAiBodyCases)('$name', ({ request, stream, expected }) => {
    expect(toOpenAiRequestBody(request as never, 'served', stream)).toEqual(expected);
  });
});
