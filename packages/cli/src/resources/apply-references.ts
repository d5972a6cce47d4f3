import type { ApiClient } from '../api-client.js';
import type { SourceDocument } from '../documents/parse-documents.js';
import { UsageError } from '../errors.js';
import { listLlms } from './llm/llm-api.js';
import { listUsers } from './user/user-api.js';
import { callerStatus, holdsUnlimited } from './caller-grants.js';

/** Names a document gives resources, which the other documents of its run may refer to. */
export interface GivenNames {
  /** An LLM, and the pool its `poolName` joins: what an agent's `llm` may name. */
  llms?: readonly string[];
  /** A user: what a role binding's user subject names. */
  users?: readonly string[];
}

/** The string values of a document's `fields` as written, valid or not: names other documents may refer to. */
export function namesIn(document: SourceDocument, ...fields: string[]): string[] {
  return fields.map((field) => document.fields[field]).filter((value): value is string => typeof value === 'string');
}

/**
 * What the documents of one `apply` run may refer to: the names the run gives, and what mcpd
 * shows the caller. mcpd checks the same references when a change is sent; checked while
 * planning, a typo refuses the whole input before anything is sent. Each list is read from
 * mcpd once per run, and only when a document needs it; a failed read fails every check after
 * it, as a failed read of a document's own resource fails its plan.
 */
export class ApplyReferences {
  readonly #client: ApiClient;
  readonly #llms = new Set<string>();
  readonly #users = new Set<string>();
  #visibleLlms: Promise<ReadonlySet<string>> | undefined;
  #visibleUsers: Promise<ReadonlySet<string>> | undefined;
  #seesEveryUser: Promise<boolean> | undefined;

  constructor(client: ApiClient, given: Iterable<GivenNames>) {
    this.#client = client;
    for (const names of given) {
      for (const name of names.llms ?? []) this.#llms.add(name);
      for (const name of names.users ?? []) this.#users.add(name);
    }
  }

  /** Throws mcpd's refusal unless `name` is an LLM or pool the caller can see, or one the run gives. */
  async checkLlm(name: string): Promise<void> {
    if (this.#llms.has(name)) return;
    this.#visibleLlms ??= visibleLlmsAndPools(this.#client);
    if ((await this.#visibleLlms).has(name)) return;
    throw new UsageError(`llm: ${name} is neither an LLM nor a pool you can see`);
  }

  /** Throws mcpd's refusal unless a user is named `name`, or the run creates one. */
  async checkUser(name: string): Promise<void> {
    if (this.#users.has(name)) return;
    this.#visibleUsers ??= listUsers(this.#client).then((users) => new Set(users.map((user) => user.name)));
    if ((await this.#visibleUsers).has(name)) return;
    // mcpd lists only the users the caller may see, but refuses a binding only for a user nobody
    // is: to a caller without `view:users`, a name missing from the list proves nothing.
    this.#seesEveryUser ??= seesEveryUser(this.#client);
    if (!(await this.#seesEveryUser)) return;
    throw new UsageError(`no user is named ${name}; create the user first (mcpctl create user ${name}), then bind it`);
  }
}

/** The LLMs the caller can see, and their pools: a pool is the `poolName` of a member the caller can see, as mcpd forms it. */
async function visibleLlmsAndPools(client: ApiClient): Promise<ReadonlySet<string>> {
  const names = new Set<string>();
  for (const llm of await listLlms(client)) {
    names.add(llm.name);
    if (llm.poolName !== null) names.add(llm.poolName);
  }
  return names;
}

async function seesEveryUser(client: ApiClient): Promise<boolean> {
  return holdsUnlimited(await callerStatus(client), 'view:users');
}
