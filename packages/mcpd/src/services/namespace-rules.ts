import type { Database } from '@mcpctl/db';
import { conflict } from '../errors.js';
import { NamespaceRepository, type NameHolders } from '../repositories/namespace-repository.js';
import { canSee, type Principal } from '../rbac/principal.js';

/** Names a write is about to hold, by the kind that holds them. */
export interface NameClaims {
  llms?: Iterable<string>;
  agents?: Iterable<string>;
  pools?: Iterable<string | null | undefined>;
}

/**
 * The 409 for a name held by something the caller cannot see: it says nothing of what holds it
 * (kind, owner, whether its publisher is online), so a refusal is no way to probe hidden rows.
 */
export function nameTaken(name: string): string {
  return `name is taken: ${name}`;
}

/** The refusal of a name another user publishes, with the publisher's way out: a name of its own. */
export function publishedByAnotherUser(what: string): string {
  return `${what} is published by another user; publish yours under another name (publishName, or publishNameSuffix, in mcplocal's config)`;
}

/**
 * SPEC §12: LLMs, agents and pools share one namespace. Runs inside the writing transaction,
 * after `NamespaceRepository.lock()` and after the writes, so it sees the state about to be
 * committed (a payload's own rows included) and a refusal rolls everything back.
 */
export async function assertOneNamespace(tx: Database, principal: Principal, claims: NameClaims): Promise<void> {
  const namespace = new NamespaceRepository(tx);
  for (const name of new Set(claims.llms ?? [])) {
    const holders = await namespace.holders(name);
    if (holders.agent) refuse(principal, name, holders, 'an agent');
    assertNotOwnPool(name, holders);
    if (holders.poolMembers.length > 0) refuse(principal, name, holders, 'a pool');
  }
  for (const name of new Set(claims.agents ?? [])) {
    const holders = await namespace.holders(name);
    if (holders.llm) refuse(principal, name, holders, 'an LLM');
    if (holders.poolMembers.length > 0) refuse(principal, name, holders, 'a pool');
  }
  for (const name of new Set(claims.pools ?? [])) {
    if (!name) continue;
    const holders = await namespace.holders(name);
    // An LLM moved into a pool of its own name: refused as its creation would be.
    assertNotOwnPool(name, holders);
    if (holders.llm) refuse(principal, name, holders, 'an LLM');
    if (holders.agent) refuse(principal, name, holders, 'an agent');
  }
}

/** The pool an LLM names for itself: there is no other pool to look for, so none is named. */
function assertNotOwnPool(name: string, holders: NameHolders): void {
  if (holders.poolMembers.some((member) => member.name === name)) {
    throw conflict(`LLM ${name} cannot join a pool named ${name}: LLMs, agents and pools share one namespace; give the pool another name`);
  }
}

function refuse(principal: Principal, name: string, holders: NameHolders, holder: 'an LLM' | 'an agent' | 'a pool'): never {
  const visible =
    holder === 'an LLM'
      ? holders.llm !== undefined && canSee(principal, holders.llm)
      : holder === 'an agent'
        ? holders.agent !== undefined && canSee(principal, holders.agent, 'agents')
        : holders.poolMembers.some((member) => canSee(principal, member));
  throw conflict(visible ? `the name ${name} is already taken by ${holder}: LLMs, agents and pools share one namespace` : nameTaken(name));
}
