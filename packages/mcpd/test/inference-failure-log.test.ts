import { ManualClock } from '@mcpctl/clock/manual';
import { describe, expect, it } from 'vitest';
import { FAILURE_LOG_QUIET_MS, InferenceFailureLog, type InferenceFailure } from '../src/services/inference-failure-log.js';

function recorder() {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const clock = new ManualClock();
  const log = new InferenceFailureLog({ warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) } as never, clock);
  return { log, lines, clock };
}

const failure = (overrides: Partial<InferenceFailure> = {}): InferenceFailure => ({
  llmName: 'qwen',
  servedBy: 'qwen',
  status: 502,
  error: 'cannot reach the upstream of qwen: connect ECONNREFUSED',
  streaming: false,
  ...overrides,
});

describe('InferenceFailureLog', () => {
  it("logs an upstream's or a publisher's failure (502, 504) at once, with what the caller was told, and nothing else", () => {
    const { log, lines } = recorder();
    for (const status of [200, 400, 401, 404, 429, 499, 500, 503]) log.note(failure({ llmName: `s${status}`, servedBy: `s${status}`, status }));
    expect(lines).toEqual([]);
    log.note(failure());
    log.note(failure({ llmName: 'slow', servedBy: 'slow', status: 504, error: 'the upstream of slow did not answer in time', streaming: true, requestId: 'req_slow' }));
    expect(lines).toEqual([
      { message: 'inference failed upstream', fields: { llm: 'qwen', status: 502, streaming: false, error: 'cannot reach the upstream of qwen: connect ECONNREFUSED' } },
      // The call's request id, as the request's own lines name it, so an operator finds the line a user quotes.
      { message: 'inference failed upstream', fields: { reqId: 'req_slow', llm: 'slow', status: 504, streaming: true, error: 'the upstream of slow did not answer in time' } },
    ]);
  });

  it("logs a publisher's failure that came as 503 with its Retry-After (a model server that keeps crashing)", () => {
    const { log, lines } = recorder();
    const error = "the publisher of qwen failed: qwen's model server keeps crashing (3 times within a minute); mcplocal starts it again in 42 s";
    log.note(failure({ status: 503, error, upstreamFailure: true }));
    expect(lines).toEqual([{ message: 'inference failed upstream', fields: { llm: 'qwen', status: 503, streaming: false, error } }]);
  });

  it('sums up the failures of each quiet period at its end, with the latest, and goes quiet once the LLM stops failing', () => {
    const { log, lines, clock } = recorder();
    log.note(failure());
    clock.advance(1);
    log.note(failure({ error: 'first of more' }));
    log.note(failure({ error: 'the latest', streaming: true }));
    log.note(failure({ llmName: 'other', servedBy: 'other' }));
    expect(lines.map((line) => line.fields.llm)).toEqual(['qwen', 'other']);
    clock.advance(FAILURE_LOG_QUIET_MS - 1);
    expect(lines).toHaveLength(3);
    expect(lines[2]!.fields).toEqual({ llm: 'qwen', status: 502, streaming: true, error: 'the latest', moreFailures: 2, withinSeconds: FAILURE_LOG_QUIET_MS / 1000 });
    // Still failing: the next period is summed up too.
    log.note(failure());
    clock.advance(FAILURE_LOG_QUIET_MS);
    expect(lines).toHaveLength(4);
    expect(lines[3]!.fields).toMatchObject({ llm: 'qwen', moreFailures: 1 });
    // A period without failures ends the summaries; the next failure is logged at once, alone.
    clock.advance(3 * FAILURE_LOG_QUIET_MS);
    expect(lines).toHaveLength(4);
    log.note(failure());
    expect(lines).toHaveLength(5);
    expect(lines[4]!.fields).not.toHaveProperty('moreFailures');
  });

  it('names the pool member that failed apart from the pool the caller asked for, and keeps members apart', () => {
    const { log, lines } = recorder();
    log.note(failure({ llmName: 'team', servedBy: 'alice-gpu' }));
    log.note(failure({ llmName: 'team', servedBy: 'bob-gpu' }));
    log.note(failure({ llmName: 'team', servedBy: 'alice-gpu' }));
    log.note(failure({ llmName: 'team', servedBy: null, error: 'every member failed' }));
    expect(lines.map((line) => [line.fields.llm, line.fields.servedBy])).toEqual([
      ['team', 'alice-gpu'],
      ['team', 'bob-gpu'],
      ['team', undefined],
    ]);
  });

  it('writes the pending summaries out on close, and no more after it', () => {
    const { log, lines, clock } = recorder();
    log.note(failure());
    clock.advance(2_500);
    log.note(failure());
    log.note(failure({ llmName: 'other', servedBy: 'other' }));
    log.close();
    expect(lines.map((line) => [line.fields.llm, line.fields.moreFailures, line.fields.withinSeconds])).toEqual([
      ['qwen', undefined, undefined],
      ['other', undefined, undefined],
      ['qwen', 1, 2.5],
    ]);
    clock.advance(FAILURE_LOG_QUIET_MS);
    expect(lines).toHaveLength(3);
  });
});
