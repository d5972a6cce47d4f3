/** Who the page is logged in as, from `GET /api/v1/status`. */
export interface Access {
  admin: boolean;
  /** Each grant as mcpd names it in a refusal (`run:llms`, `run:llms:virtual on qwen, gpu`, `*`); absent from an older mcpd. */
  grants?: string[] | undefined;
}

/** What a grant is asked about: a row's name, its kind (`public`, `virtual`) and, for an LLM, its pool. */
export interface GrantTarget {
  name: string;
  kind: string;
  poolName?: string | null;
}

interface Grant {
  verb: string;
  resource: string;
  kind: string | undefined;
  names: ReadonlySet<string> | undefined;
}

/** `*`, `VERB:RESOURCE` or `VERB:RESOURCE:KIND`, optionally ` on NAME, NAME`: how status lists a grant. */
function parseGrant(text: string): Grant {
  const [permission = '', named] = text.split(' on ');
  const names = named === undefined ? undefined : new Set(named.split(',').map((name) => name.trim()));
  if (permission === '*') return { verb: '*', resource: '*', kind: undefined, names };
  const [verb = '', resource = '', kind] = permission.split(':');
  return { verb, resource, kind, names };
}

/**
 * Whether the caller's grants let it `verb` the `resource` row, judged as mcpd judges it (a grant
 * naming a pool covers its members), or undefined when the page cannot tell (an older mcpd lists
 * no grants). RBAC only: what the caller may see is mcpd's other check, already applied to the
 * live lists.
 */
export function mayOn(access: Access, verb: string, resource: string, target: GrantTarget): boolean | undefined {
  if (access.admin) return true;
  if (!access.grants) return undefined;
  return access.grants.map(parseGrant).some(
    (grant) =>
      (grant.verb === '*' || grant.verb === verb) &&
      (grant.resource === '*' || grant.resource === resource) &&
      (grant.kind === undefined || grant.kind === target.kind) &&
      (grant.names === undefined || grant.names.has(target.name) || (target.poolName != null && grant.names.has(target.poolName))),
  );
}
