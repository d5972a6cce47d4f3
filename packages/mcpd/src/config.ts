import { compile as compileTrust } from '@fastify/proxy-addr';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { PerUserCaps } from './security/per-user-caps.js';
import { DEFAULT_HOST, DEFAULT_PORT } from './default-address.js';

/** Everything mcpd reads from its flags and environment, validated once at start. */
export interface McpdConfig {
  host: string;
  port: number;
  /** Embedded database, generated secret key and admin token live here. */
  dataDir: string;
  databaseUrl: string | undefined;
  secretKey: string | undefined;
  bootstrapToken: string | undefined;
  logLevel: string;
  bodyLimitBytes: number;
  /** Largest result post (a relayed whole answer or one chunk); other routes keep `bodyLimitBytes`. */
  maxResultBytes: number;
  /**
   * Whether mcpd serves the provider socket and advertises it at registration (MCPD_PROVIDER_SOCKET,
   * default on); off leaves every publisher on SSE + POST.
   */
  providerSocket: boolean;
  /** Bytes of one relayed task's chunks that may wait for a caller reading slowly before the task fails. */
  relayTaskBufferBytes: number;
  /**
   * Several replicas on one PostgreSQL: the NATS server that carries tasks, results and news
   * between them (MCPD_NATS_URL) and the first token of their subjects (MCPD_NATS_SUBJECT_PREFIX).
   * Undefined: one process alone, the relay in memory.
   */
  cluster: { natsUrl: string; subjectPrefix: string } | undefined;
  /** Longest wait for an upstream's response headers. */
  upstreamHeadersTimeoutMs: number;
  /** Longest silence inside an upstream body; a stream still making progress is never cut. */
  upstreamIdleTimeoutMs: number;
  /** How long SIGTERM waits for in-flight requests before closing them. */
  shutdownDeadlineMs: number;
  /** From SIGTERM to the drain: `/readyz` answers 503 and everything is still served meanwhile. */
  shutdownDelayMs: number;
  /** After a start, how long requests for recently connected publishers wait for them to reconnect. */
  reconnectGraceMs: number;
  /** Longest wait for a publisher's first result to a relayed task. */
  relayTimeoutMs: number;
  heartbeatTimeoutMs: number;
  inactiveRetentionMs: number;
  gcIntervalMs: number;
  pingIntervalMs: number;
  /** How often a streaming caller whose answer has not started hears `: waiting`. */
  streamKeepaliveMs: number;
  dispatch: { maxQueueLength: number; maxQueuedPerUser: number; maxWaitMs: number; memberCooldownMs: number; wakeNoticeIntervalMs: number };
  wake: { marginMs: number; defaultTimeoutMs: number };
  /** Failed authentications one source address may make per window before it gets 429. */
  authFailureLimit: number;
  authFailureWindowMs: number;
  maxControlStreamsPerUser: number;
  maxResultPostsPerUser: number;
  /** Longest silence inside a request body before it is cut with 408. */
  bodyTimeoutMs: number;
  /** Per-user caps on requests in flight and stored rows. */
  perUser: PerUserCaps;
  /** Fastify's `trustProxy`: whose `X-Forwarded-For` names the client (for the per-source limit). */
  trustProxy: boolean | string[];
  /** A bearer token that may read `/metrics` and nothing else. */
  metricsToken: string | undefined;
  /** `--forget-unreadable-secrets`: clear the stored secrets the key cannot open, instead of refusing to start. */
  forgetUnreadableSecrets: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`mcpd cannot start:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const USAGE = `usage: mcpd [--host ${DEFAULT_HOST}] [--port ${DEFAULT_PORT}] [--data-dir DIR] [--forget-unreadable-secrets]`;

/** What `mcpd --help` prints: the flags, and where the rest of the settings come from. */
export const HELP = `${USAGE}

Serves the mcpctl registry, RBAC and the OpenAI-compatible inference API.

  --host HOST      address to listen on (default ${DEFAULT_HOST})
  --port PORT      port to listen on, 0 for a free one (default ${DEFAULT_PORT})
  --data-dir DIR   embedded database, secret key and admin token (default ~/.mcpctl/mcpd-data)
  --forget-unreadable-secrets
                   the secret key is lost: clear the LLMs' API keys and URL credentials it
                   cannot open, and start (each LLM is then given its key again)

Without DATABASE_URL the data lives in an embedded PostgreSQL in DIR; DATABASE_URL=postgres://…
uses a PostgreSQL server (MCPD_SECRET_KEY is then required); MCPD_NATS_URL=nats://… with it runs
this process as one of several replicas (docs/deploy.md). Every other setting is an MCPD_*
environment variable, described in README.md, docs/virtual-llms.md, docs/pools.md and docs/rbac.md.
`;

/** `--help` or `-h` anywhere on the command line asks for the help text instead of a start. */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** The largest request body unless MCPD_BODY_LIMIT_BYTES says otherwise. */
export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** Node's timers hold at most 2^31 - 1 ms (about 24.8 days): a longer one fires at once, with a warning outside the log. */
const MOST_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Ten years: past it a time counted back from now leaves the dates a database holds. */
const MOST_PERIOD_SECONDS = 10 * 365 * 86_400;

/** A time mcpd only counts back from `now` (a cutoff, a window), never sets a timer for. */
const period = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a number of seconds` })
    .positive(`${name} must be positive`)
    .max(MOST_PERIOD_SECONDS, `${name} must be at most ${MOST_PERIOD_SECONDS} (ten years)`)
    .default(fallback);

/** A time a timer waits for: at most what a Node timer holds. */
const seconds = (name: string, fallback: number) =>
  period(name, fallback).pipe(z.number().max(MOST_TIMER_SECONDS, `${name} must be at most ${MOST_TIMER_SECONDS} (about 24.8 days, the longest timer Node keeps)`));

/** Seconds where 0 means something (`zeroMeans`); blanks are refused, not read as 0 (an empty variable is unset). */
const secondsOrZero = (name: string, fallback: number, zeroMeans: string, maxSeconds = MOST_TIMER_SECONDS) =>
  z
    .preprocess(
      (value) => (typeof value === 'string' && value.trim() === '' ? Number.NaN : value),
      z.coerce
        .number({ error: `${name} must be a number of seconds` })
        .min(0, `${name} must be 0 (${zeroMeans}) or more`)
        .max(maxSeconds, maxSeconds === MOST_TIMER_SECONDS ? `${name} must be at most ${maxSeconds} (about 24.8 days, the longest timer Node keeps)` : `${name} must be at most ${maxSeconds}`),
    )
    .default(fallback);

const count = (name: string, fallback: number) =>
  z.coerce.number({ error: `${name} must be a whole number` }).int(`${name} must be a whole number`).min(1, `${name} must be at least 1`).default(fallback);

const environmentSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')
    .optional(),
  MCPD_SECRET_KEY: z.string().min(16, 'MCPD_SECRET_KEY must be at least 16 characters').optional(),
  MCPD_BOOTSTRAP_TOKEN: z.string().min(16, 'MCPD_BOOTSTRAP_TOKEN must be at least 16 characters').optional(),
  MCPD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MCPD_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024, 'MCPD_BODY_LIMIT_BYTES must be at least 1024').default(DEFAULT_BODY_LIMIT_BYTES),
  MCPD_MAX_RESULT_BYTES: z.coerce.number().int().min(1024, 'MCPD_MAX_RESULT_BYTES must be at least 1024').default(32 * 1024 * 1024),
  MCPD_PROVIDER_SOCKET: z.enum(['on', 'off'], { error: 'MCPD_PROVIDER_SOCKET must be on or off' }).default('on'),
  MCPD_RELAY_TASK_BUFFER_BYTES: z.coerce
    .number({ error: 'MCPD_RELAY_TASK_BUFFER_BYTES must be a whole number of bytes' })
    .int('MCPD_RELAY_TASK_BUFFER_BYTES must be a whole number of bytes')
    .min(1024, 'MCPD_RELAY_TASK_BUFFER_BYTES must be at least 1024')
    .default(8 * 1024 * 1024),
  MCPD_UPSTREAM_TIMEOUT_SECONDS: seconds('MCPD_UPSTREAM_TIMEOUT_SECONDS', 300),
  MCPD_UPSTREAM_IDLE_TIMEOUT_SECONDS: seconds('MCPD_UPSTREAM_IDLE_TIMEOUT_SECONDS', 300),
  MCPD_SHUTDOWN_DEADLINE_SECONDS: seconds('MCPD_SHUTDOWN_DEADLINE_SECONDS', 30),
  MCPD_SHUTDOWN_DELAY_SECONDS: secondsOrZero('MCPD_SHUTDOWN_DELAY_SECONDS', 0, 'drain at once', 300),
  MCPD_RECONNECT_GRACE_SECONDS: secondsOrZero('MCPD_RECONNECT_GRACE_SECONDS', 15, 'no grace'),
  MCPD_POOL_MEMBER_COOLDOWN_SECONDS: secondsOrZero('MCPD_POOL_MEMBER_COOLDOWN_SECONDS', 30, 'no cooldown'),
  MCPD_RELAY_TIMEOUT_SECONDS: seconds('MCPD_RELAY_TIMEOUT_SECONDS', 300),
  MCPD_HEARTBEAT_TIMEOUT_SECONDS: period('MCPD_HEARTBEAT_TIMEOUT_SECONDS', 90),
  MCPD_INACTIVE_RETENTION_SECONDS: period('MCPD_INACTIVE_RETENTION_SECONDS', 4 * 60 * 60),
  MCPD_GC_INTERVAL_SECONDS: seconds('MCPD_GC_INTERVAL_SECONDS', 60),
  // mcplocal takes an SSE stream silent for 65 s for lost: a ping must come well before.
  MCPD_PING_INTERVAL_SECONDS: seconds('MCPD_PING_INTERVAL_SECONDS', 20).pipe(z.number().max(60, 'MCPD_PING_INTERVAL_SECONDS must be at most 60 (mcplocal takes a stream silent for 65 s for lost)')),
  MCPD_STREAM_KEEPALIVE_SECONDS: seconds('MCPD_STREAM_KEEPALIVE_SECONDS', 15),
  MCPD_QUEUE_MAX_LENGTH: z.coerce.number().int().min(0, 'MCPD_QUEUE_MAX_LENGTH must be 0 or more').default(256),
  MCPD_QUEUE_MAX_WAIT_SECONDS: seconds('MCPD_QUEUE_MAX_WAIT_SECONDS', 60),
  MCPD_WAKE_NOTICE_SECONDS: seconds('MCPD_WAKE_NOTICE_SECONDS', 3),
  MCPD_WAKE_MARGIN_SECONDS: seconds('MCPD_WAKE_MARGIN_SECONDS', 15),
  MCPD_WAKE_TIMEOUT_SECONDS: seconds('MCPD_WAKE_TIMEOUT_SECONDS', 120),
  MCPD_AUTH_FAILURE_LIMIT: count('MCPD_AUTH_FAILURE_LIMIT', 20),
  MCPD_AUTH_FAILURE_WINDOW_SECONDS: period('MCPD_AUTH_FAILURE_WINDOW_SECONDS', 60),
  MCPD_MAX_STREAMS_PER_USER: count('MCPD_MAX_STREAMS_PER_USER', 16),
  MCPD_MAX_RESULT_POSTS_PER_USER: count('MCPD_MAX_RESULT_POSTS_PER_USER', 256),
  MCPD_TRUST_PROXY: z
    .string()
    .superRefine((value, context) => {
      const entry = untrustableEntry(value);
      if (entry !== undefined) {
        context.addIssue({
          code: 'custom',
          message: `MCPD_TRUST_PROXY: "${entry}" is not an IP address, a range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal; give true, false, or a comma-separated list of those`,
        });
      }
    })
    .optional(),
  MCPD_METRICS_TOKEN: z.string().min(16, 'MCPD_METRICS_TOKEN must be at least 16 characters').optional(),
  MCPD_BODY_TIMEOUT_SECONDS: seconds('MCPD_BODY_TIMEOUT_SECONDS', 30),
  MCPD_MAX_INFERENCE_PER_USER: count('MCPD_MAX_INFERENCE_PER_USER', 128),
  MCPD_MAX_QUEUED_PER_USER: z.coerce
    .number({ error: 'MCPD_MAX_QUEUED_PER_USER must be a whole number' })
    .int('MCPD_MAX_QUEUED_PER_USER must be a whole number')
    .min(1, 'MCPD_MAX_QUEUED_PER_USER must be at least 1')
    .optional(),
  MCPD_MAX_PROVIDER_SESSIONS_PER_USER: count('MCPD_MAX_PROVIDER_SESSIONS_PER_USER', 64),
  MCPD_MAX_THREADS_PER_USER: count('MCPD_MAX_THREADS_PER_USER', 1000),
  MCPD_MAX_AGENTS_PER_USER: count('MCPD_MAX_AGENTS_PER_USER', 200),
  MCPD_MAX_LLMS_PER_USER: count('MCPD_MAX_LLMS_PER_USER', 256),
  MCPD_MAX_TOKENS_PER_USER: count('MCPD_MAX_TOKENS_PER_USER', 1000),
  MCPD_NATS_URL: z
    .string()
    .regex(/^(nats|tls):\/\/[^\s]+$/, 'MCPD_NATS_URL must be a nats:// URL (or several, comma-separated)')
    .optional(),
  MCPD_NATS_SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'MCPD_NATS_SUBJECT_PREFIX must be NATS subject tokens (letters, digits, - and _) joined by dots')
    .default('mcpctl'),
});

/** Reads flags and environment; throws a ConfigError listing every problem at once. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): McpdConfig {
  const problems: string[] = [];
  let flags: { host?: string | undefined; port?: string | undefined; 'data-dir'?: string | undefined; 'forget-unreadable-secrets'?: boolean | undefined } = {};
  try {
    flags = parseArgs({
      args: argv,
      options: { host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' }, 'forget-unreadable-secrets': { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (error) {
    problems.push(`${(error as Error).message} (${USAGE})`);
  }
  const port = Number(flags.port ?? String(DEFAULT_PORT));
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`--port must be a port number, not "${String(flags.port)}"`);

  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = issue.path.map(String).join('.');
      const named = issue.message.includes(variable);
      // Env values are strings, so a wrong type is a number that is not one: it says what it was
      // given (no secret is a number).
      const given = issue.code === 'invalid_type' ? present[variable] : undefined;
      const kind = issue.code === 'invalid_type' && issue.expected === 'int' ? 'a whole number' : 'a number';
      if (given !== undefined) problems.push(`${named ? issue.message : `${variable} must be ${kind}`}, not "${given}"`);
      else problems.push(named ? issue.message : `${variable}: ${issue.message}`);
    }
  }
  if (present.DATABASE_URL && !present.MCPD_SECRET_KEY) {
    problems.push('MCPD_SECRET_KEY is required with DATABASE_URL: set it to a long random string, the same on every replica');
  }
  if (flags['forget-unreadable-secrets'] === true && present.MCPD_NATS_URL) {
    problems.push(
      '--forget-unreadable-secrets clears every secret this key cannot open; among replicas one given a wrong key would clear what the others open: stop the replicas, start one mcpd without MCPD_NATS_URL once with it, then the replicas',
    );
  }
  if (present.MCPD_NATS_URL && !present.DATABASE_URL) {
    problems.push('MCPD_NATS_URL needs DATABASE_URL: replicas share one PostgreSQL database, and the embedded one belongs to a single process');
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const values = parsed.data;
  return {
    host: flags.host ?? DEFAULT_HOST,
    port,
    dataDir: flags['data-dir'] ?? join(env.MCPCTL_HOME ?? join(homedir(), '.mcpctl'), 'mcpd-data'),
    databaseUrl: values.DATABASE_URL,
    secretKey: values.MCPD_SECRET_KEY,
    forgetUnreadableSecrets: flags['forget-unreadable-secrets'] === true,
    bootstrapToken: values.MCPD_BOOTSTRAP_TOKEN,
    logLevel: values.MCPD_LOG_LEVEL,
    bodyLimitBytes: values.MCPD_BODY_LIMIT_BYTES,
    maxResultBytes: values.MCPD_MAX_RESULT_BYTES,
    providerSocket: values.MCPD_PROVIDER_SOCKET === 'on',
    relayTaskBufferBytes: values.MCPD_RELAY_TASK_BUFFER_BYTES,
    cluster: values.MCPD_NATS_URL ? { natsUrl: values.MCPD_NATS_URL, subjectPrefix: values.MCPD_NATS_SUBJECT_PREFIX } : undefined,
    upstreamHeadersTimeoutMs: values.MCPD_UPSTREAM_TIMEOUT_SECONDS * 1000,
    upstreamIdleTimeoutMs: values.MCPD_UPSTREAM_IDLE_TIMEOUT_SECONDS * 1000,
    shutdownDeadlineMs: values.MCPD_SHUTDOWN_DEADLINE_SECONDS * 1000,
    shutdownDelayMs: values.MCPD_SHUTDOWN_DELAY_SECONDS * 1000,
    reconnectGraceMs: values.MCPD_RECONNECT_GRACE_SECONDS * 1000,
    relayTimeoutMs: values.MCPD_RELAY_TIMEOUT_SECONDS * 1000,
    heartbeatTimeoutMs: values.MCPD_HEARTBEAT_TIMEOUT_SECONDS * 1000,
    inactiveRetentionMs: values.MCPD_INACTIVE_RETENTION_SECONDS * 1000,
    gcIntervalMs: values.MCPD_GC_INTERVAL_SECONDS * 1000,
    pingIntervalMs: values.MCPD_PING_INTERVAL_SECONDS * 1000,
    streamKeepaliveMs: values.MCPD_STREAM_KEEPALIVE_SECONDS * 1000,
    dispatch: {
      maxQueueLength: values.MCPD_QUEUE_MAX_LENGTH,
      // Half the queue by default, so one user never fills a shared model's queue alone.
      maxQueuedPerUser: values.MCPD_MAX_QUEUED_PER_USER ?? Math.max(1, Math.ceil(values.MCPD_QUEUE_MAX_LENGTH / 2)),
      maxWaitMs: values.MCPD_QUEUE_MAX_WAIT_SECONDS * 1000,
      memberCooldownMs: values.MCPD_POOL_MEMBER_COOLDOWN_SECONDS * 1000,
      wakeNoticeIntervalMs: values.MCPD_WAKE_NOTICE_SECONDS * 1000,
    },
    wake: { marginMs: values.MCPD_WAKE_MARGIN_SECONDS * 1000, defaultTimeoutMs: values.MCPD_WAKE_TIMEOUT_SECONDS * 1000 },
    authFailureLimit: values.MCPD_AUTH_FAILURE_LIMIT,
    authFailureWindowMs: values.MCPD_AUTH_FAILURE_WINDOW_SECONDS * 1000,
    maxControlStreamsPerUser: values.MCPD_MAX_STREAMS_PER_USER,
    maxResultPostsPerUser: values.MCPD_MAX_RESULT_POSTS_PER_USER,
    trustProxy: parseTrustProxy(values.MCPD_TRUST_PROXY),
    metricsToken: values.MCPD_METRICS_TOKEN,
    bodyTimeoutMs: values.MCPD_BODY_TIMEOUT_SECONDS * 1000,
    perUser: {
      inferenceRequests: values.MCPD_MAX_INFERENCE_PER_USER,
      providerSessions: values.MCPD_MAX_PROVIDER_SESSIONS_PER_USER,
      threads: values.MCPD_MAX_THREADS_PER_USER,
      agents: values.MCPD_MAX_AGENTS_PER_USER,
      llms: values.MCPD_MAX_LLMS_PER_USER,
      tokens: values.MCPD_MAX_TOKENS_PER_USER,
    },
  };
}

/**
 * The first entry of `MCPD_TRUST_PROXY` Fastify would refuse at the start (after the database is
 * made and the admin token shown), or undefined when there is none: each is read by the same
 * proxy-addr Fastify hands it to.
 */
function untrustableEntry(value: string): string | undefined {
  if (value === 'true' || value === 'false') return undefined;
  return splitList(value).find((entry) => {
    try {
      compileTrust([entry]);
      return false;
    } catch {
      return true;
    }
  });
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** `true`, `false`, or the proxies' addresses (comma-separated, CIDR allowed). */
function parseTrustProxy(value: string | undefined): boolean | string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return splitList(value);
}
