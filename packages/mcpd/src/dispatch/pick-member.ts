import type { InferenceTarget } from '../catalog/llm-catalog.js';

export interface MemberLoad {
  target: InferenceTarget;
  inFlight: number;
  /** Public upstreams always are; a virtual member is when its publisher's stream is open here. */
  reachable: boolean;
  /** Its `maxConcurrent` is kept among replicas (`SharedSlots`), not by this count. */
  keptElsewhere?: boolean;
}

/** An active, reachable member with a free slot (`maxConcurrent` unset means unlimited). */
export function hasCapacity(member: MemberLoad): boolean {
  const { status, maxConcurrent } = member.target.record;
  return status === 'active' && member.reachable && (maxConcurrent === null || member.keptElsewhere === true || member.inFlight < maxConcurrent);
}

/**
 * The member with free capacity and the fewest requests in flight; `turn` rotates among
 * members tied on that count (round robin).
 */
export function pickMember(members: MemberLoad[], turn: number): InferenceTarget | undefined {
  const free = members.filter(hasCapacity);
  if (free.length === 0) return undefined;
  const least = Math.min(...free.map((member) => member.inFlight));
  const tied = free.filter((member) => member.inFlight === least);
  return tied[turn % tied.length]!.target;
}
