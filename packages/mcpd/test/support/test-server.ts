import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseHandle } from '@mcpctl/db';
import pino, { type Logger } from 'pino';
import type { Clock } from '@mcpctl/clock';
import { loadConfig } from '../../src/config.js';
import type { ResolveHost } from '../../src/security/upstream-address-guard.js';
import type { PresenceTiming } from '../../src/services/replica-presence.js';
import { startServer, type RunningServer } from '../../src/composition/server.js';

export const ADMIN_TOKEN = 'mcpctl_test-admin-token-0123456789';

export interface TestServer {
  server: RunningServer;
  url: string;
  token: string;
  /** fetch against the server with the admin token (or `token` in init headers). */
  api(path: string, init?: RequestInit & { json?: unknown; token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  database: DatabaseHandle;
  env?: Record<string, string>;
  clock?: Clock;
  cacheMs?: number;
  /** Stands in for DNS in the upstream address checks. */
  resolveHost?: ResolveHost;
  /** Among replicas: liveness timing (a test that sweeps by hand makes the rounds rare). */
  presenceTiming?: PresenceTiming;
  /** Where mcpd logs; default nowhere. */
  logger?: Logger;
  /**
   * Without NATS on PostgreSQL, take the lone-process lock (default true); false for a server
   * started beside another on the same database that stands for one killed.
   */
  loneProcessLock?: boolean;
}

/** The key a test server seals secrets with, for tests that read its rows. */
export const TEST_SECRET_KEY = 'test-secret-key-0123456789';

/** A real mcpd on port 0 over the given database, with a known admin token. */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mcpd-test-'));
  const config = loadConfig(['--port', '0', '--data-dir', dataDir], {
    MCPD_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
    MCPD_SECRET_KEY: TEST_SECRET_KEY,
    MCPD_LOG_LEVEL: 'silent',
    // A test moving a manual clock hours on calls `gc.runOnce()` itself and checks what that run
    // did; a GC round started by the same move would race it.
    ...(options.clock ? { MCPD_GC_INTERVAL_SECONDS: String(24 * 60 * 60) } : {}),
    ...options.env,
  });
  const server = await startServer(config, {
    logger: options.logger ?? pino({ level: 'silent' }),
    database: options.database,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs }),
    ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    ...(options.presenceTiming ? { presenceTiming: options.presenceTiming } : {}),
    ...(options.loneProcessLock === undefined ? {} : { loneProcessLock: options.loneProcessLock }),
  });
  const api: TestServer['api'] = (path, init = {}) => {
    const { json, token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token ?? ADMIN_TOKEN}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${server.url}${path}`, {
      ...rest,
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json), method: rest.method ?? 'POST' } : {}),
    });
  };
  return {
    server,
    url: server.url,
    token: ADMIN_TOKEN,
    api,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
