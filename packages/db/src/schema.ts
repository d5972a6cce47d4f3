import type { LlmKind, LlmStatus, LlmTier, LlmType, ProviderTransport, RoleName, SubjectKind, Visibility, WakeRecipeKind } from '@mcpctl/protocol';
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  groups: jsonb('groups').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  /** The built-in role the user holds directly; null for none. Rows from before roles existed become members. */
  role: text('role').$type<RoleName>().default('member'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Bearer tokens. Only the SHA-256 of a token is kept; the token itself is shown once. */
export const tokens = pgTable(
  'tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('tokens_token_hash_idx').on(table.tokenHash),
    uniqueIndex('tokens_user_name_idx').on(table.userId, table.name),
  ],
);

/**
 * Grants to a user or a group: a built-in `role`, or explicit `VERB:RESOURCE` permissions
 * (or `*`); `permissions` is empty when `role` is set.
 */
export const roleBindings = pgTable(
  'role_bindings',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull().unique(),
    subjectKind: text('subject_kind').$type<SubjectKind>().notNull(),
    subjectName: text('subject_name').notNull(),
    role: text('role').$type<RoleName>(),
    permissions: jsonb('permissions').$type<string[]>().notNull(),
    resourceNames: jsonb('resource_names').$type<string[]>(),
    createdAt: createdAt(),
  },
  (table) => [index('role_bindings_subject_idx').on(table.subjectKind, table.subjectName)],
);

/** One mcplocal registration; the id is a secret bound to its owner. */
export const providerSessions = pgTable('provider_sessions', {
  id: text('id').primaryKey(),
  ownerId: text('owner_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }),
  /** The replica holding the session's control connection (several mcpd on one database); null while none does. */
  replicaId: text('replica_id'),
  /** How that connection travels, while a replica holds it. */
  transport: text('transport').$type<ProviderTransport>(),
  /** When that replica took the connection; null while none holds it. */
  connectedAt: timestamp('connected_at', { withTimezone: true }),
  createdAt: createdAt(),
}, (table) => [index('provider_sessions_replica_idx').on(table.replicaId)]);

/**
 * The mcpd processes sharing this database over a bus, each heartbeating its row: a session
 * whose replica stopped heartbeating has no connection any more, and its rows go inactive.
 */
export const mcpdReplicas = pgTable('mcpd_replicas', {
  id: text('id').primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull(),
});

export const llms = pgTable(
  'llms',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind').$type<LlmKind>().notNull(),
    type: text('type').$type<LlmType>().notNull(),
    model: text('model').notNull(),
    /** A public LLM's URL, its credentials and secret query values masked (`***`) when it holds any. */
    url: text('url'),
    /** The whole URL, sealed like the key, when `url` is masked; null when `url` is the URL itself. */
    urlSealed: text('url_sealed'),
    /** AES-256-GCM sealed upstream key; never leaves mcpd in clear. */
    apiKeyEncrypted: text('api_key_encrypted'),
    tier: text('tier').$type<LlmTier>().notNull().default('fast'),
    description: text('description'),
    poolName: text('pool_name'),
    visibility: text('visibility').$type<Visibility>().notNull(),
    ownerId: text('owner_id').references(() => users.id, { onDelete: 'set null' }),
    status: text('status').$type<LlmStatus>().notNull().default('active'),
    providerSessionId: text('provider_session_id').references(() => providerSessions.id, {
      onDelete: 'set null',
    }),
    lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }),
    inactiveSince: timestamp('inactive_since', { withTimezone: true }),
    maxConcurrent: integer('max_concurrent'),
    wakeRecipe: text('wake_recipe').$type<WakeRecipeKind>(),
    wakeMaxWaitSeconds: doublePrecision('wake_max_wait_seconds'),
    lastWakeAt: timestamp('last_wake_at', { withTimezone: true }),
    lastWakeMs: doublePrecision('last_wake_ms'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('llms_name_idx').on(table.name),
    index('llms_pool_name_idx').on(table.poolName),
    index('llms_provider_session_idx').on(table.providerSessionId),
  ],
);

/**
 * Slots of public LLMs with `maxConcurrent`, kept in the database while several replicas call the
 * same upstream: a claim is granted (a request runs) or waiting (its turn comes in the order
 * claims were made, whichever replica made them). A claim goes when its request ends, and with
 * its replica when that replica dies.
 */
export const llmSlotClaims = pgTable(
  'llm_slot_claims',
  {
    id: text('id').primaryKey(),
    /** No foreign key: a claim lives no longer than its request, and an LLM deleted meanwhile must not fail it. */
    llmId: text('llm_id').notNull(),
    replicaId: text('replica_id').notNull(),
    userId: text('user_id').notNull(),
    granted: boolean('granted').notNull().default(false),
    /** The database's clock when the claim was made: the order of turns among replicas. */
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().default(sql`clock_timestamp()`),
  },
  (table) => [index('llm_slot_claims_llm_idx').on(table.llmId, table.claimedAt), index('llm_slot_claims_replica_idx').on(table.replicaId)],
);


/** Agents: a system prompt and default parameters pinned to an LLM or pool name. */
/** What an agent's `llm` named when it was set. */
export type AgentLlmPin = { kind: 'llm'; id: string; ownerId: string | null } | { kind: 'pool' };

export const agents = pgTable(
  'agents',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind').$type<LlmKind>().notNull(),
    llm: text('llm').notNull(),
    /**
     * What `llm` named when the agent was pointed at it: an LLM row (its id and owner) or a pool.
     * A name freed and claimed by someone else no longer matches, so the agent's prompts never
     * follow the name to a new owner. Null for rows whose name resolved to nothing when the
     * column came.
     */
    llmPin: jsonb('llm_pin').$type<AgentLlmPin>(),
    description: text('description'),
    systemPrompt: text('system_prompt'),
    project: text('project'),
    defaultParams: jsonb('default_params').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    extras: jsonb('extras').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    visibility: text('visibility').$type<Visibility>().notNull(),
    ownerId: text('owner_id').references(() => users.id, { onDelete: 'set null' }),
    /** Virtual agents follow their session's lifecycle. */
    status: text('status').$type<LlmStatus>().notNull().default('active'),
    providerSessionId: text('provider_session_id').references(() => providerSessions.id, { onDelete: 'set null' }),
    inactiveSince: timestamp('inactive_since', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex('agents_name_idx').on(table.name), index('agents_provider_session_idx').on(table.providerSessionId)],
);

/** A stored conversation of one user with one agent. */
export const threads = pgTable(
  'threads',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    agentName: text('agent_name').notNull(),
    /** The agent it was started with (null for threads older than the column): one of its name made since is another. */
    agentId: text('agent_id'),
    title: text('title'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('threads_user_idx').on(table.userId)],
);

export const threadMessages = pgTable(
  'thread_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    threadId: text('thread_id')
      .notNull()
      .references(() => threads.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    content: text('content').notNull(),
    /**
     * What a replay needs beside the text: `tool_calls`, `tool_call_id`, `name`, and the parts of
     * a content that is not plain text. Null for a plain message.
     */
    extra: jsonb('extra').$type<Record<string, unknown>>(),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    createdAt: createdAt(),
  },
  (table) => [index('thread_messages_thread_idx').on(table.threadId, table.id)],
);

export const auditRecords = pgTable(
  'audit_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    userId: text('user_id'),
    userName: text('user_name'),
    llmName: text('llm_name').notNull(),
    servedBy: text('served_by'),
    endpoint: text('endpoint').notNull(),
    streaming: boolean('streaming').notNull(),
    status: integer('status').notNull(),
    latencyMs: doublePrecision('latency_ms').notNull(),
    firstTokenMs: doublePrecision('first_token_ms'),
    queueMs: doublePrecision('queue_ms'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    error: text('error'),
    /** The agent chatted with, when the request came through one; `llmName` is then what served it. */
    agentName: text('agent_name'),
    /** The `x-request-id` mcpd answered the request with, so a caller's request id finds its record. */
    requestId: text('request_id'),
    /** The mcpd process that answered the caller (its replica id: host name and a random part). */
    replica: text('replica'),
  },
  (table) => [
    index('audit_records_at_idx').on(table.at),
    index('audit_records_request_idx').on(table.requestId),
    index('audit_records_llm_idx').on(table.llmName),
    // A member's own records and usage: by user, then time.
    index('audit_records_user_at_idx').on(table.userId, table.at),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type TokenRow = typeof tokens.$inferSelect;
export type RoleBindingRow = typeof roleBindings.$inferSelect;
export type ProviderSessionRow = typeof providerSessions.$inferSelect;
export type LlmRow = typeof llms.$inferSelect;
export type NewLlmRow = typeof llms.$inferInsert;
export type AgentRow = typeof agents.$inferSelect;
export type NewAgentRow = typeof agents.$inferInsert;
export type ThreadRow = typeof threads.$inferSelect;
export type ThreadMessageRow = typeof threadMessages.$inferSelect;
export type AuditRecordRow = typeof auditRecords.$inferSelect;
export type NewAuditRecordRow = typeof auditRecords.$inferInsert;
