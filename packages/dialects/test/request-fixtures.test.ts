import { describe, expect, it } from 'vitest';
import { anthropicRequestSchema, chatCompletionRequestSchema, ollamaChatRequestSchema } from '@mcpctl/protocol';
import { TranslationError, toAnthropicRequest, toOllamaRequest, toOpenAiRequestBody } from '../src/index.js';
import { anthropicRequestCases } from './fixtures/openai-to-anthropic-requests.js';
import { ollamaRequestCases } from './fixtures/openai-to-ollama-requests.js';
import { openAiBodyCases } from './fixtures/small-mappings.js';

/** Parses like mcpd's route and mcplocal's registrar do, so each case is a request a client could send. */
const parse = (request: Record<string, unknown>) => chatCompletionRequestSchema.parse(request);

describe('OpenAI request -> Anthropic request', () => {
  it.each(anthropicRequestCases)('$name', ({ request, expected, error }) => {
    const translate = () => toAnthropicRequest(parse(request), 'claude-upstream');
    if (error) {
      expect(translate).toThrow(TranslationError);
      expect(translate).toThrow(error);
      return;
    }
    const anthropic = translate();
    expect(anthropic).toEqual(expected);
    expect(anthropicRequestSchema.parse(anthropic)).toEqual(anthropic);
  });
});

describe('OpenAI request -> Ollama request', () => {
  it.each(ollamaRequestCases)('$name', ({ request, expected, error }) => {
    const translate = () => toOllamaRequest(parse(request), 'qwen3', false);
    if (error) {
      expect(translate).toThrow(TranslationError);
      expect(translate).toThrow(error);
      return;
    }
    const ollama = translate();
    expect(ollama).toEqual(expected);
    expect(ollamaChatRequestSchema.parse(ollama)).toEqual(ollama);
  });
});

describe('OpenAI request -> OpenAI-compatible upstream body', () => {
  it.each(openAiBodyCases)('$name', ({ request, stream, expected }) => {
    expect(toOpenAiRequestBody(request as never, 'served', stream)).toEqual(expected);
  });
});
