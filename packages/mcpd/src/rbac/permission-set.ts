import type { PermissionResource, PermissionVerb } from '@mcpctl/protocol';
import { describeGrant, type Grant } from './grant.js';

/** What a permission is asked about: a named resource, its kind, and (for LLMs) its pool. */
export interface PermissionTarget {
  name?: string;
  kind?: string;
  /** A grant naming the pool covers its members. */
  poolName?: string | null;
}

/**
 * Every grant a user holds, from its own role and from the bindings naming it or its groups.
 * Grants only add up; there is no deny.
 */
export class PermissionSet {
  readonly #grants: readonly Grant[];
  /** Holds an unlimited `*`. */
  readonly admin: boolean;

  constructor(grants: readonly Grant[]) {
    this.#grants = grants;
    this.admin = grants.some((grant) => grant.verb === '*' && grant.resource === '*' && grant.names === undefined);
  }

  /** The grants, in the order the role and the bindings gave them. */
  get grants(): readonly Grant[] {
    return this.#grants;
  }

  /** Each grant as a refusal names it, once, in the order the role and the bindings gave them. */
  describe(): string[] {
    return [...new Set(this.#grants.map(describeGrant))];
  }

  /**
   * Whether a grant allows `verb` on `resource`. Without a target name only unlimited grants
   * count; a grant limited to a kind needs the target's kind.
   */
  allows(verb: PermissionVerb, resource: PermissionResource, target: PermissionTarget = {}): boolean {
    return this.#grants.some(
      (grant) =>
        (grant.verb === '*' || grant.verb === verb) &&
        (grant.resource === '*' || grant.resource === resource) &&
        (grant.kind === undefined || grant.kind === target.kind) &&
        (grant.names === undefined ||
          (target.name !== undefined && grant.names.has(target.name)) ||
          (target.poolName != null && grant.names.has(target.poolName))),
    );
  }

  /**
   * Whether a grant limited to names includes `name`: unlimited grants do not count. It is how a
   * pool is named in a grant, so holding `create:llms:virtual` for every name does not let a
   * member's public row into someone else's pool.
   */
  namedIn(verb: PermissionVerb, resource: PermissionResource, name: string, kind?: string): boolean {
    return this.#grants.some(
      (grant) =>
        (grant.verb === '*' || grant.verb === verb) &&
        (grant.resource === '*' || grant.resource === resource) &&
        (grant.kind === undefined || grant.kind === kind) &&
        grant.names !== undefined &&
        grant.names.has(name),
    );
  }

  /**
   * Whether this set already holds everything `grant` would give, so handing it out is no
   * escalation: a user may only grant what it holds itself. A grant naming LLMs to create gives
   * one thing an unlimited one does not: joining the pools it names ({@link namedIn}), so only a
   * grant naming them too covers it.
   */
  covers(grant: Grant): boolean {
    if (this.admin) return true;
    const joinsPools = grant.names !== undefined && (grant.verb === '*' || grant.verb === 'create') && (grant.resource === '*' || grant.resource === 'llms');
    return this.#grants.some(
      (held) =>
        (held.verb === '*' || held.verb === grant.verb) &&
        (held.resource === '*' || held.resource === grant.resource) &&
        (held.kind === undefined || held.kind === grant.kind) &&
        (held.names === undefined ? !joinsPools : grant.names !== undefined && [...grant.names].every((name) => held.names!.has(name))),
    );
  }
}
