import { providerTaskReadSchema } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { readInferTask } from '../../src/registrar/read-infer-task.js';

const request = { model: 'qwen', messages: [{ role: 'user', content: 'hi' }] };

/** Frames as mcpd sends them and as a broken or other peer might: the hand check must read each as the schema does, or leave it to the schema. */
const FRAMES: unknown[] = [
  { kind: 'infer', taskId: 't1', llmName: 'qwen', request, streaming: true },
  { kind: 'infer', taskId: 't1', llmName: 'qwen', request, streaming: false },
  { kind: 'infer', taskId: 't1', llmName: 'qwen', request },
  { kind: 'infer', taskId: 't1', llmName: 'qwen', request, streaming: null },
  { kind: 'infer', taskId: 't1', llmName: 'qwen', request, streaming: true, future: { field: 1 } },
  { kind: 'infer', taskId: '', llmName: '', request: {} },
  { kind: 'infer', taskId: 't1', llmName: 'qwen', request, streaming: 'yes' },
  { kind: 'infer', taskId: 't1', llmName: 'qwen', request, streaming: 1 },
  { kind: 'infer', taskId: 7, llmName: 'qwen', request },
  { kind: 'infer', taskId: 't1', llmName: null, request },
  { kind: 'infer', taskId: 't1', request },
  { kind: 'infer', taskId: 't1', llmName: 'qwen' },
  { kind: 'infer', taskId: 't1', llmName: 'qwen', request: null },
  { kind: 'infer', taskId: 't1', llmName: 'qwen', request: [request] },
  { kind: 'infer', taskId: 't1', llmName: 'qwen', request: 'body' },
  { kind: 'wake', taskId: 't1', llmName: 'qwen' },
  { kind: 'cancel', taskId: 't1' },
  { kind: 'INFER', taskId: 't1', llmName: 'qwen', request },
  { taskId: 't1', llmName: 'qwen', request },
  [{ kind: 'infer', taskId: 't1', llmName: 'qwen', request }],
  null,
  'infer',
  42,
];

describe('readInferTask', () => {
  it('reads every frame as providerTaskReadSchema does, or leaves it to the schema', () => {
    let read = 0;
    for (const frame of FRAMES) {
      const byHand = readInferTask(frame);
      const bySchema = providerTaskReadSchema.safeParse(frame);
      if (byHand === undefined) {
        // Left to the schema: only what is not a well-formed infer task.
        expect(bySchema.success && bySchema.data.kind === 'infer', JSON.stringify(frame)).toBe(false);
        continue;
      }
      read += 1;
      expect(bySchema.success, JSON.stringify(frame)).toBe(true);
      expect(byHand, JSON.stringify(frame)).toEqual(bySchema.data);
    }
    expect(read).toBe(6);
  });

  it('keeps the fields it does not know, as the schema passes them on', () => {
    expect(readInferTask({ kind: 'infer', taskId: 't1', llmName: 'qwen', request, future: 1 })).toEqual({
      kind: 'infer',
      taskId: 't1',
      llmName: 'qwen',
      request,
      streaming: false,
      future: 1,
    });
  });
});
