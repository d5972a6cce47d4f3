import { urlCredentialsProblem, VIRTUAL_LLM_EDITABLE_FIELDS, type LlmCreate, type LlmType, type LlmUpdate, type LlmView, type PoolView } from '@mcpctl/protocol';
import type { NewLlmRow } from '@mcpctl/db';
import type { Clock } from '@mcpctl/clock';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { LlmRepository, type LlmRecord } from '../repositories/llm-repository.js';
import type { SecretBox } from '../security/secret-box.js';
import { generateId } from '../security/token.js';
import type { LlmCatalog } from '../catalog/llm-catalog.js';
import { toLlmView, type SessionTransports } from './llm-view.js';
import type { PoolService } from './pool-service.js';
import type { DispatchCounters } from '../dispatch/dispatcher.js';
import { canChange, canSee, type Principal } from '../rbac/principal.js';
import { isUniqueViolation } from '../repositories/unique-violation.js';
import type { UpstreamUrlPolicy } from './upstream-url-policy.js';
import { assertMayJoinPool } from '../rbac/assert-may-join-pool.js';
import type { NamespaceGuard } from './namespace-guard.js';
import { nameTaken } from './namespace-rules.js';

import { restoreMaskedUrl, sameServer, secretBehindSemicolon } from '../security/mask-url.js';
import { realUrl, storedUrl } from '../security/stored-url.js';
import { DEFAULT_PER_USER_CAPS, assertWithinCap } from '../security/per-user-caps.js';

/** Fields of a virtual row its owner may change; the rest come from the publisher. */
const VIRTUAL_EDITABLE_FIELDS: ReadonlySet<string> = new Set(VIRTUAL_LLM_EDITABLE_FIELDS);

/** A public LLM's URL credentials as the rules take them (`urlCredentialsProblem`), refused in words. */
function assertUrlCredentials(name: string, type: LlmType, url: string, keyed: boolean, how: 'create' | 'update'): void {
  const problem = urlCredentialsProblem(url, type, keyed);
  if (problem === 'user-colon') {
    throw badRequest(`the user name in the URL of LLM ${name} holds a ':' (%3A), which Basic authorization cannot carry; a ':' may stand in the password only`);
  }
  if (problem === 'key-and-url') {
    const ways = how === 'create' ? 'leave out the key, or the URL\'s user:pass@' : 'the key (remove it with apiKey: null in a document), or the URL\'s user:pass@';
    throw badRequest(`LLM ${name} would send both its URL's user name and password and its API key as the Authorization header; keep one: ${ways}`);
  }
}

/**
 * A new URL may not hide a secret parameter behind a `;`: servers disagree on whether it is a
 * pair of its own, so views could not mask it. A row stored before the rule keeps its URL.
 */
function assertNoSecretBehindSemicolon(name: string, url: string): void {
  const secret = secretBehindSemicolon(url);
  if (secret === undefined) return;
  throw badRequest(
    `the URL of LLM ${name} puts its ${secret} parameter behind a ';', which some servers read as a separator and others as part of the value before it, so views could not mask it; put '&' before ${secret}`,
  );
}

/**
 * A sealed key was given for one server: a new URL on another scheme, host or port must come with
 * the key again (or without one), as a browser drops Authorization on a redirect to another origin.
 * Otherwise whoever may edit the row could point the key at a server of their choosing.
 */
function assertKeyStaysWithServer(name: string, stored: string | null, next: string): void {
  if (stored === null || sameServer(stored, next)) return;
  const from = originOf(stored);
  const to = originOf(next);
  throw badRequest(`LLM ${name}'s API key was given for ${from}; to send it to ${to}, give the key again (apiKeyEnv in the document), or remove it with apiKey: null`);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'its stored URL';
  }
}

/** `url` with a view's masks replaced by the stored URL's values; a mask nothing stored can replace is refused. */
function unmaskedUrl(name: string, url: string, stored: string | null): string {
  const restored = restoreMaskedUrl(url, stored);
  if (restored.unknown.length > 0) {
    const many = restored.unknown.length > 1;
    const why = restored.otherServer
      ? `and names another server than the stored URL, to which the stored value${many ? 's are' : ' is'} never sent`
      : `a view's mask standing for a stored value, and ${stored === null ? 'a new LLM has none' : 'the stored URL has none there'}`;
    throw badRequest(`the URL of LLM ${name} holds *** for its ${restored.unknown.join(' and ')}, ${why}; write the real value${many ? 's' : ''}`);
  }
  return restored.url;
}

/** The registry rules for LLM rows: visibility, ownership, names, sealed keys. */
export class LlmService {
  constructor(
    private readonly llms: LlmRepository,
    private readonly catalog: LlmCatalog,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly pools: Pick<PoolService, 'find'>,
    private readonly namespace: NamespaceGuard,
    private readonly transports: SessionTransports = () => Promise.resolve(() => undefined),
    private readonly urlPolicy?: UpstreamUrlPolicy,
    /** Requests in flight and waiting, for the views; every replica's among replicas. */
    private readonly counters?: DispatchCounters,
    private readonly maxLlms = DEFAULT_PER_USER_CAPS.llms,
  ) {}

  async list(principal: Principal): Promise<LlmView[]> {
    const records = (await this.llms.list()).filter((record) => canSee(principal, record));
    const transportOf = await this.transports(records.flatMap((record) => (record.providerSessionId ? [record.providerSessionId] : [])));
    return records.map((record) => this.#withLoad(toLlmView(record, transportOf)));
  }

  #withLoad(view: LlmView): LlmView {
    const { counters } = this;
    return counters ? { ...view, inFlight: counters.inFlightOf(view.id), queued: counters.queued(`llm:${view.name}`) } : view;
  }

  async get(principal: Principal, idOrName: string): Promise<LlmView> {
    return this.#view(await this.#findVisible(principal, idOrName));
  }

  async #view(record: LlmRecord): Promise<LlmView> {
    return this.#withLoad(toLlmView(record, await this.transports(record.providerSessionId ? [record.providerSessionId] : [])));
  }

  /**
   * `GET /api/v1/llms/NAME`: the LLM, else the pool of that name (SPEC §12), so a name that
   * inference accepts is also one the "may I see it?" probe answers. Both only as the caller
   * may see them; an LLM wins, as in dispatch.
   */
  async getLlmOrPool(principal: Principal, idOrName: string): Promise<LlmView | PoolView> {
    const record = await this.llms.findByIdOrName(idOrName);
    if (record && canSee(principal, record)) return this.#view(record);
    const pool = await this.pools.find(principal, idOrName);
    if (!pool) throw notFound(`LLM not found: ${idOrName}`);
    return pool;
  }

  async create(principal: Principal, input: LlmCreate): Promise<LlmView> {
    const named = { name: input.name, poolName: input.poolName ?? null };
    if (!principal.can('create', 'llms', { ...named, kind: 'public' })) {
      // A member may publish what it may not register: said, lest "private" read as the way in.
      const mayPublish = principal.can('create', 'llms', { ...named, kind: 'virtual' });
      throw forbidden(`registering an LLM with mcpd needs the create:llms permission${mayPublish ? '; a model server of your own is published from mcplocal instead (docs/virtual-llms.md)' : ''}`);
    }
    const url = unmaskedUrl(input.name, input.url, null);
    assertNoSecretBehindSemicolon(input.name, url);
    await this.urlPolicy?.assertAllowed(principal, { id: principal.userId, name: principal.userName }, url);
    assertUrlCredentials(input.name, input.type, url, input.apiKey !== undefined, 'create');
    const visibility = input.visibility ?? 'public';
    assertMayJoinPool(principal, { kind: 'public', visibility, poolName: input.poolName }, `LLM ${input.name}`);
    assertWithinCap((await this.llms.countOwnedBy(principal.userId)) + 1, this.maxLlms, 'LLMs', 'delete some first');
    const now = this.clock.now();
    const row: NewLlmRow = {
      id: generateId('llm_'),
      name: input.name,
      kind: 'public',
      type: input.type,
      model: input.model,
      ...storedUrl(url, this.secrets),
      apiKeyEncrypted: input.apiKey ? this.secrets.seal(input.apiKey) : null,
      tier: input.tier ?? 'fast',
      description: input.description ?? null,
      poolName: input.poolName ?? null,
      visibility,
      ownerId: principal.userId,
      status: 'active',
      maxConcurrent: input.maxConcurrent ?? null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.namespace.claim(principal, { llms: [input.name], pools: [input.poolName] }, async (tx) => {
        const llms = new LlmRepository(tx);
        const existing = await llms.findByName(input.name);
        if (existing) throw conflict(canSee(principal, existing) ? `an LLM named ${input.name} already exists` : nameTaken(input.name));
        await llms.insert(row);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(nameTaken(input.name));
      throw error;
    }
    this.catalog.invalidate();
    return this.get(principal, input.name);
  }

  async update(principal: Principal, idOrName: string, patch: LlmUpdate): Promise<LlmView> {
    const record = await this.#findChangeable(principal, idOrName, 'edit');
    if (record.kind === 'virtual') {
      const locked = Object.keys(patch).filter((field) => !VIRTUAL_EDITABLE_FIELDS.has(field));
      if (locked.length > 0) {
        throw badRequest(`${locked.join(', ')} of virtual LLM ${record.name} are set by its publisher (mcplocal)`);
      }
    }
    // Opened only when the URL or what goes with it changes: a description edit never needs it.
    let opened: string | null | undefined;
    const stored = () => (opened === undefined ? (opened = realUrl(record, this.secrets)) : opened);
    // The masked URL a view showed, sent back (an edited document), keeps the real credentials.
    const url = patch.url === undefined ? undefined : unmaskedUrl(record.name, patch.url, stored());
    if (url !== undefined) await this.urlPolicy?.assertAllowed(principal, { id: record.ownerId, name: record.ownerName }, url);
    const changes: Partial<NewLlmRow> = { updatedAt: this.clock.now() };
    if (patch.type !== undefined) changes.type = patch.type;
    if (patch.model !== undefined) changes.model = patch.model;
    const moved = url !== undefined && url !== stored() ? url : undefined;
    if (moved !== undefined) assertNoSecretBehindSemicolon(record.name, moved);
    if (moved !== undefined) Object.assign(changes, storedUrl(moved, this.secrets));
    if (moved !== undefined && patch.apiKey === undefined && record.apiKeyEncrypted !== null) assertKeyStaysWithServer(record.name, stored(), moved);
    if (patch.apiKey !== undefined) changes.apiKeyEncrypted = patch.apiKey === null ? null : this.secrets.seal(patch.apiKey);
    if (patch.tier !== undefined) changes.tier = patch.tier;
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.poolName !== undefined) changes.poolName = patch.poolName;
    if (patch.visibility !== undefined) changes.visibility = patch.visibility;
    if (patch.maxConcurrent !== undefined) changes.maxConcurrent = patch.maxConcurrent;
    // A row stored before the rule held both keeps working (its key wins): only a change to its URL, key or type is checked.
    const keyed = changes.apiKeyEncrypted !== undefined ? changes.apiKeyEncrypted !== null : record.apiKeyEncrypted !== null;
    const authorizationChanged = moved !== undefined || keyed !== (record.apiKeyEncrypted !== null) || patch.apiKey != null || (patch.type ?? record.type) !== record.type;
    if (record.kind === 'public' && authorizationChanged) {
      assertUrlCredentials(record.name, changes.type ?? record.type, moved ?? stored() ?? '', keyed, 'update');
    }
    const joining = (patch.poolName !== undefined && patch.poolName !== record.poolName) || (patch.visibility !== undefined && patch.visibility !== record.visibility);
    if (joining) {
      const poolName = patch.poolName !== undefined ? patch.poolName : record.poolName;
      assertMayJoinPool(principal, { kind: record.kind, visibility: patch.visibility ?? record.visibility, poolName }, `LLM ${record.name}`);
    }
    if (patch.poolName) {
      await this.namespace.claim(principal, { pools: [patch.poolName] }, (tx) => new LlmRepository(tx).update(record.id, changes));
    } else {
      await this.llms.update(record.id, changes);
    }
    this.catalog.invalidate();
    return this.get(principal, record.id);
  }

  async delete(principal: Principal, idOrName: string): Promise<void> {
    const record = await this.#findChangeable(principal, idOrName, 'delete');
    await this.llms.delete(record.id);
    this.catalog.invalidate();
  }

  async #findVisible(principal: Principal, idOrName: string): Promise<LlmRecord> {
    const record = await this.llms.findByIdOrName(idOrName);
    if (!record || !canSee(principal, record)) throw notFound(`LLM not found: ${idOrName}`);
    return record;
  }

  /** Visible but not permitted is 403: the caller knows the row exists. */
  async #findChangeable(principal: Principal, idOrName: string, verb: 'edit' | 'delete'): Promise<LlmRecord> {
    const record = await this.#findVisible(principal, idOrName);
    if (!canChange(principal, record, verb)) {
      throw forbidden(`only the owner of ${record.name} (holding ${verb}:llms) or an admin may ${verb === 'edit' ? 'change' : 'delete'} it`);
    }
    return record;
  }
}
