import { describe, expect, it } from 'vitest';
import { peekOpenAiChunk } from '../src/index.js';

const chunk = (fields: string) => `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m",${fields}}`;

describe('peekOpenAiChunk', () => {
  it.each([
    ['a content chunk', chunk('"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]')],
    ['a chunk whose fields are null', chunk('"choices":[{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":null}],"usage":null,"error":null')],
    ['Python-style spacing', '{"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": null}], "usage": null}'],
    ['field names quoted inside content', chunk('"choices":[{"index":0,"delta":{"content":"\\"usage\\": 3, \\"finish_reason\\": \\"stop\\""},"finish_reason":null}]')],
  ])('lets %s pass as it is', (_case, text) => {
    expect(peekOpenAiChunk(text)).toBe('plain');
  });

  it.each([
    ['the finish chunk', chunk('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]')],
    ['a finish reason after blanks', chunk('"choices":[{"index":0,"delta":{},"finish_reason" :\t"length"}]')],
    ['the usage chunk', chunk('"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}')],
    ['an error frame', chunk('"error":{"message":"out of memory"}')],
    ['an error frame of another shape', '{"error":"boom"}'],
    ['[DONE]', '[DONE]'],
    ['text that is not JSON', 'hello'],
    ['an object that is not a chunk', '{"object":"chat.completion","choices":[]}'],
    ['a frame that spans lines', '{"object":"chat.completion.chunk",\n"choices":[]}'],
    ['a frame holding a carriage return, which SSE reads as a line end', '{"object":"chat.completion.chunk",\r"choices":[]}'],
    ['a frame with blanks around it', ` ${chunk('"choices":[]')} `],
    ['a cut frame', chunk('"choices":[').slice(0, -1)],
    ['nothing', ''],
  ])('asks for %s to be read', (_case, text) => {
    expect(peekOpenAiChunk(text)).toBe('read');
  });
});
