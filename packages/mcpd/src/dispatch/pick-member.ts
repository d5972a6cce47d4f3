import type { InferenceTarget } from '../catalog/llm-catalog.js';

export interface MemberLoad {
  target: InferenceTarget;
  inFlight: number;
  /** Public upstreams always are; a virtual member is when its publisher's stream is open here. */
  reachable: boolean;
  /** Its `maxConcurrent` is kept among replicas (`SharedSlots`), not by this count. */
  keptElsewhere?: boolean;
  /** It failed before its answer started a moment ago (`MemberCooldown`): the others go first. */
  coolingDown?: boolean;
}

/** An active, reachable member with a free slot (`maxConcurrent` unset means unlimited). */
export function hasCapacity(member: MemberLoad): boolean {
  const { status, maxConcurrent } = member.target.record;
  return status === 'active' && member.reachable && (maxConcurrent === null || member.keptElsewhere === true || member.inFlight < maxConcurrent);
}

/**
 * The member with free capacity and the fewest requests in flight; `turn` rotates among
 * members tied on that count (round robin). Members cooling down after a failure are picked
 * only when no other has capacity.
 */
export function pickMember(members: MemberLoad[], turn: number): InferenceTarget | undefined {
  const withCapacity = members.filter(hasCapacity);
  const healthy = withCapacity.filter((member) => member.coolingDown !== true);
  const free = healthy.length > 0 ? healthy : withCapacity;
  if (free.length === 0) return undefined;
  const least = Math.min(...free.map((member) => member.inFlight));
  const tied = free.filter((member) => member.inFlight === least);
  return tied[turn % tied.length]!.target;
}
