import { describe, expect, it } from 'vitest';
import { decodeSocketChunks, encodeSocketChunks, MAX_RESULTS_PER_MESSAGE, type TaskChunkResult } from '../src/index.js';

const chunk = (data: string, seq?: number, done?: true): TaskChunkResult => {
  const result: TaskChunkResult = { chunk: done ? { data, done } : { data } };
  if (seq !== undefined) result.seq = seq;
  return result;
};
const bytesOf = (text: string) => new TextEncoder().encode(text);

describe('the provider socket\'s binary chunks message', () => {
  it('carries chunks as the server wrote them, one a line, and reads back the results they were', () => {
    const results = [chunk('{"choices":[{"delta":{"content":"caf\\u00e9 \\"q\\""}}]}', 7), chunk('{"text":"ünïcödé 🙂"}', 8), chunk('[DONE]', 9, true)];
    const text = encodeSocketChunks('task_1', results);
    expect(text).toBe('{"type":"chunks","taskId":"task_1","seq":7,"done":true}\n{"choices":[{"delta":{"content":"caf\\u00e9 \\"q\\""}}]}\n{"text":"ünïcödé 🙂"}\n[DONE]');
    expect(decodeSocketChunks(bytesOf(text!))).toEqual({ taskId: 'task_1', results });
  });

  it('carries results without numbers, and an empty chunk, as they were', () => {
    const results = [chunk('{"a":1}'), chunk('')];
    expect(decodeSocketChunks(bytesOf(encodeSocketChunks('t', results)!))).toEqual({ taskId: 't', results });
  });

  it('leaves to a results message what it cannot carry', () => {
    expect(encodeSocketChunks('t', [])).toBeUndefined();
    expect(encodeSocketChunks('t', [chunk('{"a":\n1}', 1)])).toBeUndefined();
    expect(encodeSocketChunks('t', [chunk('[DONE]', 1, true), chunk('{}', 2)])).toBeUndefined();
    expect(encodeSocketChunks('t', [chunk('{}', 1), chunk('{}', 3)])).toBeUndefined();
    expect(encodeSocketChunks('t', [chunk('{}', 1), chunk('{}')])).toBeUndefined();
    expect(encodeSocketChunks('t', [chunk('{}'), chunk('{}', 2)])).toBeUndefined();
    expect(encodeSocketChunks('t', Array.from({ length: MAX_RESULTS_PER_MESSAGE + 1 }, (_, index) => chunk('{}', index + 1)))).toBeUndefined();
  });

  it('reads nothing from bytes that are not such a message', () => {
    const header = '{"type":"chunks","taskId":"t"}';
    expect(decodeSocketChunks(bytesOf('{"type":"chunks","taskId":"t"}'))).toBeUndefined();
    expect(decodeSocketChunks(new Uint8Array([...bytesOf(`${header}\n{"a":"`), 0xff, ...bytesOf('"}')]))).toBeUndefined();
    expect(decodeSocketChunks(bytesOf('not json\n{}'))).toBeUndefined();
    expect(decodeSocketChunks(bytesOf('{"type":"results","taskId":"t"}\n{}'))).toBeUndefined();
    expect(decodeSocketChunks(bytesOf('{"type":"chunks","taskId":""}\n{}'))).toBeUndefined();
    expect(decodeSocketChunks(bytesOf('{"type":"chunks","taskId":"t","seq":0}\n{}'))).toBeUndefined();
    expect(decodeSocketChunks(bytesOf(`{"type":"chunks","taskId":"${'x'.repeat(600)}"}\n{}`))).toBeUndefined();
    expect(decodeSocketChunks(bytesOf(`${header}\n${Array.from({ length: MAX_RESULTS_PER_MESSAGE + 1 }, () => '{}').join('\n')}`))).toBeUndefined();
    expect(decodeSocketChunks(bytesOf(`{"type":"chunks","taskId":"t","seq":${Number.MAX_SAFE_INTEGER}}\n{}\n{}`))).toBeUndefined();
    expect(decodeSocketChunks(bytesOf(`${header}\n{}`))).toEqual({ taskId: 't', results: [chunk('{}')] });
    expect(decodeSocketChunks(bytesOf(`{"type":"chunks","taskId":"t","seq":${Number.MAX_SAFE_INTEGER}}\n{}`))).toEqual({ taskId: 't', results: [chunk('{}', Number.MAX_SAFE_INTEGER)] });
  });
});
