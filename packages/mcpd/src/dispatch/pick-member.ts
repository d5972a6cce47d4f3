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
  const { maxConcurrent } = member.target.record;
  return canServe(member) && (maxConcurrent === null || member.keptElsewhere === true || member.inFlight < maxConcurrent);
}

/** Active and reachable, whatever its load: it could take a request once a slot frees. */
function canServe(member: MemberLoad): boolean {
  return member.target.record.status === 'active' && member.reachable;
}

/**
 * The member with free capacity and the fewest requests in flight; `turn` rotates among
 * members tied on that count (round robin). A member cooling down after a failure is picked
 * only while no other member can serve at all: while the others are merely busy, a request
 * waits for one of them (in the queue) rather than be handed to the member that just failed.
 */
export function pickMember(members: MemberLoad[], turn: number): InferenceTarget | undefined {
  const others = members.filter((member) => member.coolingDown !== true);
  const free = (others.some(canServe) ? others : members).filter(hasCapacity);
  if (free.length === 0) return undefined;
  const least = Math.min(...free.map((member) => member.inFlight));
  const tied = free.filter((member) => member.inFlight === least);
  return tied[turn % tied.length]!.target;
}
