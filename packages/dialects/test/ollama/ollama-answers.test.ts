import { describe, expect, it } from 'vitest';
import { chatCompletionChunkSchema, chatCompletionSchema, ollamaChatResponseSchema, type ChatCompletionChunk } from '@mcpctl/protocol';
import { fromOllamaResponse, OllamaStreamTranslator } from '../../src/index.js';
import { envelope, ollamaResponseCases, ollamaStreamCases } from '../fixtures/ollama-answers.js';

/** Names tool calls `call_1`, `call_2`, … as the fixtures expect. */
function counter(): () => string {
  let next = 0;
  return () => `call_${++next}`;
}

describe('Ollama response -> OpenAI completion', () => {
  it.each(ollamaResponseCases)('$name', ({ response, expected }) => {
    const completion = fromOllamaResponse(ollamaChatResponseSchema.parse(response), { ...envelope, generateToolCallId: counter() });
    expect(completion).toEqual(expected);
    expect(chatCompletionSchema.parse(completion)).toEqual(completion);
  });
});

describe('Ollama NDJSON lines -> OpenAI chunks', () => {
  it.each(ollamaStreamCases)('$name', ({ lines, expected, stopped }) => {
    const translator = new OllamaStreamTranslator({ ...envelope, generateToolCallId: counter(), includeUsage: true });
    const chunks: ChatCompletionChunk[] = lines.flatMap((line) => translator.push(ollamaChatResponseSchema.parse(line)));
    expect(chunks).toEqual(expected);
    expect(translator.stopped).toBe(stopped);
    for (const chunk of chunks) expect(chatCompletionChunkSchema.parse(chunk)).toEqual(chunk);
  });

  it('leaves the usage chunk and usage: null out when usage was not asked for, and ignores lines after done', () => {
    const translator = new OllamaStreamTranslator({ ...envelope, generateToolCallId: counter(), includeUsage: false });
    const [text, done] = ollamaStreamCases[0]!.lines.filter((line) => line.done || (line.message as { content: string }).content === 'Hel');
    const chunks = [...translator.push(ollamaChatResponseSchema.parse(text)), ...translator.push(ollamaChatResponseSchema.parse(done))];
    expect(chunks.map((chunk) => ('usage' in chunk ? 'usage' : chunk.choices[0]?.finish_reason ?? 'delta'))).toEqual(['delta', 'stop']);
    expect(translator.push(ollamaChatResponseSchema.parse(text))).toEqual([]);
  });
});
