import { describe, expect, it } from 'vitest';
import { pickMember, type MemberLoad } from '../src/dispatch/pick-member.js';
import type { LlmRecord } from '../src/repositories/llm-repository.js';

function member(name: string, inFlight: number, extra: Partial<LlmRecord> = {}, reachable = true): MemberLoad {
  const record = { id: name, name, status: 'active', maxConcurrent: null, ...extra } as LlmRecord;
  return { target: { record, apiKey: undefined }, inFlight, reachable };
}

const names = (picked: ReturnType<typeof pickMember>) => picked?.record.name;

describe('pickMember', () => {
  it('picks the member with the fewest requests in flight', () => {
    expect(names(pickMember([member('a', 3), member('b', 1), member('c', 2)], 0))).toBe('b');
  });

  it('skips members at their maxConcurrent', () => {
    expect(names(pickMember([member('a', 2, { maxConcurrent: 2 }), member('b', 5)], 0))).toBe('b');
    expect(pickMember([member('a', 2, { maxConcurrent: 2 })], 0)).toBeUndefined();
  });

  it('never picks a hibernating, inactive or unreachable member', () => {
    expect(pickMember([member('a', 0, { status: 'hibernating' }), member('b', 0, { status: 'inactive' }), member('c', 0, {}, false)], 0)).toBeUndefined();
  });

  it('picks a member cooling down after a failure only when no other can serve at all, whatever its load', () => {
    const cooling = { ...member('a', 0), coolingDown: true };
    expect([0, 1, 2].map((turn) => names(pickMember([cooling, member('b', 3), member('c', 3)], turn)))).toEqual(['b', 'c', 'b']);
    // Another member is only busy: the request waits for it rather than go to the one that just failed.
    expect(pickMember([cooling, member('b', 2, { maxConcurrent: 2 })], 0)).toBeUndefined();
    // Every other member is offline or cooling down too: the cooling one is tried.
    expect(names(pickMember([cooling, member('b', 0, { status: 'inactive' }), member('c', 0, {}, false)], 0))).toBe('a');
    expect(names(pickMember([cooling, { ...member('b', 1), coolingDown: true }], 0))).toBe('a');
  });

  it('rotates among members tied on load', () => {
    const members = [member('a', 1), member('b', 1), member('c', 4)];
    expect([0, 1, 2, 3].map((turn) => names(pickMember(members, turn)))).toEqual(['a', 'b', 'a', 'b']);
  });
});
