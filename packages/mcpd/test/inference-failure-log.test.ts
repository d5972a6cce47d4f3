import { describe, expect, it } from 'vitest';
import { FAILURE_LOG_QUIET_MS, InferenceFailureLog, type InferenceFailure } from '../src/services/inference-failure-log.js';

function recorder() {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  let now = 1_000;
  const log = new InferenceFailureLog({ warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) } as never, { monotonic: () => now });
  return { log, lines, advance: (ms: number) => (now += ms) };
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
  it("logs an upstream's or a publisher's failure (502, 504) with what the caller was told, and nothing else", () => {
    const { log, lines } = recorder();
    for (const status of [200, 400, 401, 404, 429, 499, 500, 503]) log.note(failure({ llmName: `s${status}`, servedBy: `s${status}`, status }));
    expect(lines).toEqual([]);
    log.note(failure());
    log.note(failure({ llmName: 'slow', servedBy: 'slow', status: 504, error: 'the upstream of slow did not answer in time', streaming: true }));
    expect(lines).toEqual([
      { message: 'inference failed upstream', fields: { llm: 'qwen', status: 502, streaming: false, error: 'cannot reach the upstream of qwen: connect ECONNREFUSED' } },
      { message: 'inference failed upstream', fields: { llm: 'slow', status: 504, streaming: true, error: 'the upstream of slow did not answer in time' } },
    ]);
  });

  it('writes one line per failing LLM per quiet period, and the next line counts the failures it left out', () => {
    const { log, lines, advance } = recorder();
    log.note(failure());
    advance(1);
    log.note(failure());
    log.note(failure());
    log.note(failure({ llmName: 'other', servedBy: 'other' }));
    expect(lines.map((line) => line.fields.llm)).toEqual(['qwen', 'other']);
    advance(FAILURE_LOG_QUIET_MS - 1);
    log.note(failure());
    expect(lines).toHaveLength(3);
    expect(lines[2]!.fields).toMatchObject({ llm: 'qwen', alsoFailedUnlogged: 2 });
    advance(FAILURE_LOG_QUIET_MS);
    log.note(failure());
    expect(lines[3]!.fields).not.toHaveProperty('alsoFailedUnlogged');
  });

  it('names the pool member that failed apart from the pool the caller asked for, and counts members apart', () => {
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
});
