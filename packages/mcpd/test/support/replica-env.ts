import { randomBytes } from 'node:crypto';

/**
 * The environment of mcpd replicas sharing one test database and the local NATS: one secret key
 * for all of them, and a subject prefix of their own, so other tests (and other runs) on the same
 * NATS server hear nothing of them.
 */
export function replicaEnv(databaseUrl: string, natsUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    MCPD_SECRET_KEY: randomBytes(24).toString('base64url'),
    MCPD_NATS_URL: natsUrl,
    MCPD_NATS_SUBJECT_PREFIX: `mcpctl-test-${randomBytes(6).toString('hex')}`,
    ...extra,
  };
}
