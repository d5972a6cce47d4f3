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
  JSON.parse('{"kind":"infer","taskId":"t1","llmName":"qwen","request":{"messages":[]},"__proto__":{"x":1}}'),
  JSON.parse('{"kind":"infer","taskId":"t1","llmName":"qwen","request":{"__proto__":{"x":1},"messages":[]}}'),
  { kind: 'wake', taskId: 't1', llmName: 'qwen' },
  { kind: 'cancel', taskId: 't1' },
  { kind: 'INFER', taskId: 't1', llmName: 'qwen', request },
  { taskId: 't1', llmName: 'qwen', request },
  [{ kind: 'infer', taskId: 't1', llmName: 'qwen', request }],
  null,
  'infer',
  42,
];

/** The read schema's `infer` member: the checks `readInferTask` repeats by hand. */
const inferReadSchema = providerTaskReadSchema.options.find((option) => option.shape.kind.value === 'infer');

describe('readInferTask', () => {
  it('repeats the checks of the schema as it is: a change of the schema fails here first', () => {
    // When this fails, change readInferTask with the schema, then this pin.
    const shape: Record<string, { _zod: { def: { type: string } } }> = inferReadSchema?.shape ?? {};
    expect(Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, field._zod.def.type]))).toEqual({
      kind: 'literal',
      taskId: 'string',
      llmName: 'string',
      request: 'record',
      streaming: 'pipe',
    });
    const catchall = inferReadSchema?._zod.def.catchall as { _zod: { def: { type: string } } } | undefined;
    expect(catchall?._zod.def.type).toBe('unknown');
  });

  it('reads every frame as providerTaskReadSchema does, or leaves it to the schema', () => {
    let read = 0;
    for (const frame of FRAMES) {
      const byHand = readInferTask(frame);
      const bySchema = providerTaskReadSchema.safeParse(frame);
      if (byHand === undefined) {
        // Left to the schema: what is not a well-formed infer task, and a task with an own `__proto__` key.
        const hasProto = typeof frame === 'object' && frame !== null && (Object.hasOwn(frame, '__proto__') || Object.hasOwn((frame as { request?: object }).request ?? {}, '__proto__'));
        expect(bySchema.success && bySchema.data.kind === 'infer' && !hasProto, JSON.stringify(frame)).toBe(false);
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
