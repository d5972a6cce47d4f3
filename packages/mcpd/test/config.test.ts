import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig([], { MCPCTL_HOME: '/tmp/home' });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3100,
      dataDir: '/tmp/home/mcpd-data',
      databaseUrl: undefined,
      upstreamHeadersTimeoutMs: 300_000,
      shutdownDeadlineMs: 30_000,
    });
  });

  it('reads the stream keepalive and the result size limit, fractions of a second allowed', () => {
    expect(loadConfig([], {})).toMatchObject({ streamKeepaliveMs: 15_000, maxResultBytes: 32 * 1024 * 1024, bodyLimitBytes: 4 * 1024 * 1024 });
    expect(loadConfig([], { MCPD_STREAM_KEEPALIVE_SECONDS: '0.5', MCPD_MAX_RESULT_BYTES: '1048576' })).toMatchObject({
      streamKeepaliveMs: 500,
      maxResultBytes: 1_048_576,
    });
    expect(() => loadConfig([], { MCPD_STREAM_KEEPALIVE_SECONDS: '0', MCPD_MAX_RESULT_BYTES: '10' })).toThrow(
      /MCPD_STREAM_KEEPALIVE_SECONDS[\s\S]*MCPD_MAX_RESULT_BYTES|MCPD_MAX_RESULT_BYTES[\s\S]*MCPD_STREAM_KEEPALIVE_SECONDS/,
    );
  });

  it('serves the provider socket unless switched off, and reads the relay task buffer', () => {
    expect(loadConfig([], {})).toMatchObject({ providerSocket: true, relayTaskBufferBytes: 8 * 1024 * 1024 });
    expect(loadConfig([], { MCPD_PROVIDER_SOCKET: 'off', MCPD_RELAY_TASK_BUFFER_BYTES: '65536' })).toMatchObject({
      providerSocket: false,
      relayTaskBufferBytes: 65_536,
    });
    expect(() => loadConfig([], { MCPD_PROVIDER_SOCKET: 'no' })).toThrow(/MCPD_PROVIDER_SOCKET must be on or off/);
    expect(() => loadConfig([], { MCPD_RELAY_TASK_BUFFER_BYTES: '10' })).toThrow(/MCPD_RELAY_TASK_BUFFER_BYTES must be at least 1024/);
  });

  it('reads flags', () => {
    expect(loadConfig(['--host', '0.0.0.0', '--port', '0', '--data-dir', '/d'], {})).toMatchObject({ host: '0.0.0.0', port: 0, dataDir: '/d' });
  });

  it('reports every problem at once, naming the flag or variable', () => {
    let error: unknown;
    try {
      loadConfig(['--port', 'abc'], { DATABASE_URL: 'mysql://x', MCPD_LOG_LEVEL: 'loud', MCPD_SECRET_KEY: 'short' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems.join('\n')).toMatch(/--port/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/MCPD_SECRET_KEY/);
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });

  it('runs alone unless MCPD_NATS_URL names the bus between replicas, which needs PostgreSQL', () => {
    expect(loadConfig([], {}).cluster).toBeUndefined();
    const shared = { DATABASE_URL: 'postgres://db/mcpd', MCPD_SECRET_KEY: 'a-long-enough-secret' };
    expect(loadConfig([], { ...shared, MCPD_NATS_URL: 'nats://nats:4222' }).cluster).toEqual({ natsUrl: 'nats://nats:4222', subjectPrefix: 'mcpctl' });
    expect(loadConfig([], { ...shared, MCPD_NATS_URL: 'nats://a:4222,nats://b:4222', MCPD_NATS_SUBJECT_PREFIX: 'team.prod' }).cluster).toEqual({
      natsUrl: 'nats://a:4222,nats://b:4222',
      subjectPrefix: 'team.prod',
    });
    expect(() => loadConfig([], { MCPD_NATS_URL: 'nats://nats:4222' })).toThrow(/MCPD_NATS_URL needs DATABASE_URL/);
    expect(() => loadConfig([], { ...shared, MCPD_NATS_URL: 'http://nats:4222' })).toThrow(/MCPD_NATS_URL must be a nats:\/\/ URL/);
    expect(() => loadConfig([], { ...shared, MCPD_NATS_URL: 'nats://n:4222', MCPD_NATS_SUBJECT_PREFIX: 'a.*' })).toThrow(/MCPD_NATS_SUBJECT_PREFIX must be NATS subject tokens/);
  });

  it('refuses PostgreSQL without a secret key', () => {
    expect(() => loadConfig([], { DATABASE_URL: 'postgres://x/y' })).toThrow(/MCPD_SECRET_KEY is required with DATABASE_URL/);
  });

  it('reads the reconnect grace in seconds, fractions and 0 included, and refuses a negative one', () => {
    expect(loadConfig([], {}).reconnectGraceMs).toBe(15_000);
    expect(loadConfig([], { MCPD_RECONNECT_GRACE_SECONDS: '0.5' }).reconnectGraceMs).toBe(500);
    expect(loadConfig([], { MCPD_RECONNECT_GRACE_SECONDS: '0' }).reconnectGraceMs).toBe(0);
    expect(() => loadConfig([], { MCPD_RECONNECT_GRACE_SECONDS: '-1' })).toThrow(/MCPD_RECONNECT_GRACE_SECONDS must be 0 \(no grace\) or more/);
    expect(() => loadConfig([], { MCPD_RECONNECT_GRACE_SECONDS: 'soon' })).toThrow(/MCPD_RECONNECT_GRACE_SECONDS must be a number of seconds/);
  });

  it("reads a pool member's cooldown in seconds, 30 by default, 0 for none", () => {
    expect(loadConfig([], {}).dispatch.memberCooldownMs).toBe(30_000);
    expect(loadConfig([], { MCPD_POOL_MEMBER_COOLDOWN_SECONDS: '0' }).dispatch.memberCooldownMs).toBe(0);
    expect(() => loadConfig([], { MCPD_POOL_MEMBER_COOLDOWN_SECONDS: '-5' })).toThrow(/MCPD_POOL_MEMBER_COOLDOWN_SECONDS must be 0 \(no cooldown\) or more/);
  });

  it('reads the shutdown delay in seconds, 0 by default, and refuses a negative one or one past 5 minutes', () => {
    expect(loadConfig([], {}).shutdownDelayMs).toBe(0);
    expect(loadConfig([], { MCPD_SHUTDOWN_DELAY_SECONDS: '2.5' }).shutdownDelayMs).toBe(2500);
    expect(() => loadConfig([], { MCPD_SHUTDOWN_DELAY_SECONDS: '-1' })).toThrow(/MCPD_SHUTDOWN_DELAY_SECONDS must be 0 \(drain at once\) or more/);
    expect(() => loadConfig([], { MCPD_SHUTDOWN_DELAY_SECONDS: '301' })).toThrow(/MCPD_SHUTDOWN_DELAY_SECONDS must be at most 300/);
    expect(() => loadConfig([], { MCPD_SHUTDOWN_DELAY_SECONDS: 'later' })).toThrow(/MCPD_SHUTDOWN_DELAY_SECONDS must be a number of seconds/);
    // An empty variable is unset, as every MCPD_* one; blanks are a mistake, not a 0.
    expect(loadConfig([], { MCPD_SHUTDOWN_DELAY_SECONDS: '' }).shutdownDelayMs).toBe(0);
    expect(() => loadConfig([], { MCPD_SHUTDOWN_DELAY_SECONDS: ' ' })).toThrow(/MCPD_SHUTDOWN_DELAY_SECONDS must be a number of seconds/);
    expect(() => loadConfig([], { MCPD_RECONNECT_GRACE_SECONDS: '  ' })).toThrow(/MCPD_RECONNECT_GRACE_SECONDS must be a number of seconds/);
  });

  it('reads MCPD_TRUST_PROXY as Fastify takes it, and refuses at once what Fastify would refuse only after the database was made', () => {
    const trust = (value: string) => loadConfig([], { MCPD_TRUST_PROXY: value }).trustProxy;
    expect(trust('true')).toBe(true);
    expect(trust('false')).toBe(false);
    expect(trust('10.0.0.0/8, ::1,loopback,192.168.0.0/255.255.0.0,fe80::/10,203.0.113.7')).toEqual(['10.0.0.0/8', '::1', 'loopback', '192.168.0.0/255.255.0.0', 'fe80::/10', '203.0.113.7']);
    for (const entry of ['maybe', '10.0.0.0/33', '::1/129', '10.0.0.1/8/1', '10.0.0.0/x', '300.1.1.1', '0.0.0.0/0', '::/0', '10.0.0.0/255.0.255.0']) {
      expect(problemsOf({ MCPD_TRUST_PROXY: `127.0.0.1,${entry}` })).toEqual([
        `MCPD_TRUST_PROXY: "${entry}" is not an IP address, a range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal; give true, false, or a comma-separated list of those`,
      ]);
    }
  });

  it('takes --forget-unreadable-secrets on one process only, not among replicas', () => {
    expect(loadConfig(['--forget-unreadable-secrets'], {}).forgetUnreadableSecrets).toBe(true);
    expect(loadConfig([], {}).forgetUnreadableSecrets).toBe(false);
    expect(problemsOf({ DATABASE_URL: 'postgres://db/x', MCPD_SECRET_KEY: 'k'.repeat(32), MCPD_NATS_URL: 'nats://127.0.0.1:4222' }, ['--forget-unreadable-secrets'])).toEqual([
      '--forget-unreadable-secrets clears every secret this key cannot open; among replicas one given a wrong key would clear what the others open: stop the replicas, start one mcpd without MCPD_NATS_URL once with it, then the replicas',
    ]);
  });

  it('says what a number variable was given when it is not a number, or not a whole one', () => {
    expect(problemsOf({ MCPD_QUEUE_MAX_LENGTH: 'abc', MCPD_UPSTREAM_TIMEOUT_SECONDS: 'soon' })).toEqual([
      'MCPD_UPSTREAM_TIMEOUT_SECONDS must be a number of seconds, not "soon"',
      'MCPD_QUEUE_MAX_LENGTH must be a number, not "abc"',
    ]);
    expect(problemsOf({ MCPD_QUEUE_MAX_LENGTH: '1.5' })).toEqual(['MCPD_QUEUE_MAX_LENGTH must be a whole number, not "1.5"']);
  });

  it('refuses a time longer than a Node timer holds, which would fire at once', () => {
    expect(problemsOf({ MCPD_UPSTREAM_TIMEOUT_SECONDS: '3000000', MCPD_RECONNECT_GRACE_SECONDS: '2147484' })).toEqual([
      'MCPD_UPSTREAM_TIMEOUT_SECONDS must be at most 2147483 (about 24.8 days, the longest timer Node keeps)',
      'MCPD_RECONNECT_GRACE_SECONDS must be at most 2147483 (about 24.8 days, the longest timer Node keeps)',
    ]);
    expect(loadConfig([], { MCPD_UPSTREAM_TIMEOUT_SECONDS: '2147483' }).upstreamHeadersTimeoutMs).toBe(2_147_483_000);
    // Times only counted back from now set no timer: a 30-day retention is fine.
    expect(loadConfig([], { MCPD_INACTIVE_RETENTION_SECONDS: String(30 * 86_400) }).inactiveRetentionMs).toBe(30 * 86_400_000);
    // Bounded still, where a cutoff would leave the dates a database holds.
    expect(problemsOf({ MCPD_INACTIVE_RETENTION_SECONDS: '1e13' })).toEqual(['MCPD_INACTIVE_RETENTION_SECONDS must be at most 315360000 (ten years)']);
  });

  it('rejects unknown flags with the usage line', () => {
    expect(() => loadConfig(['--bogus'], {})).toThrow(/usage: mcpd/);
  });
});

/** The problems `loadConfig` reports for `env`, or none. */
function problemsOf(env: NodeJS.ProcessEnv, argv: string[] = []): string[] {
  try {
    loadConfig(argv, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
