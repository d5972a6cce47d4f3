import { testDatabaseVariants } from '@mcpctl/test-kit';
import { describe, expect, it } from 'vitest';
import type { NewAuditRecordRow } from '@mcpctl/db';
import { AuditRepository, type AuditFilter } from '../src/repositories/audit-repository.js';
import { UserRepository } from '../src/repositories/user-repository.js';

describe.each(testDatabaseVariants())('audit records on $name', (variant) => {
  it('bulk loads with COPY on the embedded database only', async () => {
    const database = await variant.open();
    try {
      expect(database.copyRows !== undefined).toBe(variant.name === 'embedded');
    } finally {
      await database.close();
    }
  });

  it('stores a batch in one statement, every field intact, and lists newest first with filters', async () => {
    const database = await variant.open();
    try {
      const audit = new AuditRepository(database.db, database.copyRows);
      const at = new Date('2026-03-01T10:00:00.123Z');
      // alice is a user; u2 (bob) was deleted since.
      await new UserRepository(database.db).insert({ id: 'u1', name: 'alice' });
      await audit.insertMany([
        { at, userId: 'u1', userName: 'alice', llmName: 'qwen3', servedBy: 'qwen3-bob', endpoint: 'infer', streaming: true, status: 200, latencyMs: 12.5, firstTokenMs: 3.25, queueMs: 0.5, promptTokens: 10, completionTokens: 20, error: null },
        { at, userId: 'u2', userName: 'bob', llmName: 'gpt', servedBy: null, endpoint: 'chat.completions', streaming: false, status: 502, latencyMs: 1, firstTokenMs: null, queueMs: null, promptTokens: null, completionTokens: null, error: "it's \"broken\"\nbadly" },
      ]);
      const all = await audit.list({ limit: 10 });
      expect(all.map((row) => row.llmName)).toEqual(['gpt', 'qwen3']);
      expect(all[1]).toMatchObject({ at, userName: 'alice', servedBy: 'qwen3-bob', streaming: true, status: 200, latencyMs: 12.5, firstTokenMs: 3.25, queueMs: 0.5, promptTokens: 10, completionTokens: 20, error: null });
      expect(all[0]).toMatchObject({ servedBy: null, streaming: false, status: 502, promptTokens: null, error: "it's \"broken\"\nbadly" });
      // Each record says whether its user is gone: bob's id names nobody now.
      expect(all.map((row) => [row.userName, row.userDeleted])).toEqual([['bob', true], ['alice', false]]);
      expect((await audit.list({ limit: 10, userId: 'u1' })).map((row) => row.llmName)).toEqual(['qwen3']);
      expect((await audit.list({ limit: 10, deletedUserName: 'bob' })).map((row) => [row.llmName, row.userDeleted])).toEqual([['gpt', true]]);
      expect(await audit.list({ limit: 10, deletedUserName: 'alice' })).toEqual([]);
      expect((await audit.list({ limit: 10, llmName: 'gpt' })).map((row) => row.userName)).toEqual(['bob']);
    } finally {
      await database.close();
    }
  });

  // The embedded database loads with COPY (CSV), PostgreSQL with an insert of arrays; each has its own syntax to get wrong.
  const arrays = { path: 'the insert of arrays', bulk: false };
  it.each(variant.name === 'embedded' ? [{ path: 'COPY', bulk: true }, arrays] : [arrays])('keeps texts either syntax could misread (NULL, quotes, commas, braces, backslashes, line breaks) through $path', async ({ bulk }) => {
    const database = await variant.open();
    try {
      const audit = new AuditRepository(database.db, bulk ? database.copyRows : undefined);
      const awkward = ['NULL', 'null', '', ' a, b ', '{x,y}', 'say "hi"', '"', 'back\\slash\\', '\\.', 'a\n\\.\nb', "it's", 'tab\there\nline', 'cr\r\nlf', 'ünï 🙂'];
      const at = new Date('2026-03-01T10:00:00Z');
      await audit.insertMany(
        awkward.map((text, index) => ({
          at: new Date(at.getTime() + index),
          userId: text,
          userName: text,
          llmName: text,
          servedBy: text,
          endpoint: 'chat.completions',
          streaming: index % 2 === 0,
          status: 200 + index,
          latencyMs: index + 0.25,
          error: text,
          agentName: text,
        })),
      );
      const rows = (await audit.list({ limit: 20 })).reverse();
      expect(rows.map((row) => [row.userId, row.userName, row.llmName, row.servedBy, row.error, row.agentName])).toEqual(
        awkward.map((text) => [text, text, text, text, text, text]),
      );
      expect(rows.map((row) => [row.status, row.latencyMs, row.streaming, row.firstTokenMs, row.promptTokens])).toEqual(
        awkward.map((_, index) => [200 + index, index + 0.25, index % 2 === 0, null, null]),
      );
    } finally {
      await database.close();
    }
  });

  const record = (at: string, fields: Partial<NewAuditRecordRow>): NewAuditRecordRow => ({
    at: new Date(at),
    userId: 'u1',
    userName: 'alice',
    llmName: 'qwen3',
    servedBy: 'qwen3',
    endpoint: 'chat.completions',
    streaming: false,
    status: 200,
    latencyMs: 100,
    ...fields,
  });

  it('filters by status, agent and time, and pages by id', async () => {
    const database = await variant.open();
    try {
      const audit = new AuditRepository(database.db, database.copyRows);
      await audit.insertMany([
        record('2026-03-01T10:00:00Z', { status: 200 }),
        record('2026-03-01T11:00:00Z', { status: 503, agentName: 'reviewer' }),
        record('2026-03-01T12:00:00Z', { status: 429 }),
        record('2026-03-01T13:00:00Z', { status: 200, agentName: 'reviewer' }),
      ]);
      const hours = async (filter: Partial<AuditFilter>) => (await audit.list({ limit: 10, ...filter })).map((row) => row.at.getUTCHours());
      expect(await hours({ status: 'error' })).toEqual([12, 11]);
      expect(await hours({ status: 'ok' })).toEqual([13, 10]);
      expect(await hours({ status: 429 })).toEqual([12]);
      expect(await hours({ agentName: 'reviewer' })).toEqual([13, 11]);
      expect(await hours({ since: new Date('2026-03-01T11:00:00Z'), until: new Date('2026-03-01T13:00:00Z') })).toEqual([12, 11]);
      const [first, second] = await audit.list({ limit: 2 });
      expect((await audit.list({ limit: 2, beforeId: second!.id })).map((row) => row.at.getUTCHours())).toEqual([11, 10]);
      expect(first!.id).toBeGreaterThan(second!.id);
    } finally {
      await database.close();
    }
  });

  it('counts usage per key over a window: requests, errors, tokens, latency and first-token percentiles, and per hour', async () => {
    const database = await variant.open();
    try {
      const audit = new AuditRepository(database.db, database.copyRows);
      const users = new UserRepository(database.db);
      await users.insert({ id: 'u1', name: 'alice' });
      await users.insert({ id: 'u2', name: 'bob' });
      const latencies = Array.from({ length: 20 }, (_, index) => (index + 1) * 10);
      await audit.insertMany([
        ...latencies.map((latencyMs, index) =>
          record(`2026-03-01T${index < 10 ? '10' : '11'}:${String(index).padStart(2, '0')}:00Z`, {
            latencyMs,
            streaming: true,
            firstTokenMs: latencyMs / 10,
            promptTokens: 5,
            completionTokens: 7,
            status: index === 0 ? 502 : 200,
          }),
        ),
        record('2026-03-01T10:30:00Z', { userId: 'u2', userName: 'bob', llmName: 'gpt', agentName: 'reviewer', promptTokens: null, completionTokens: null }),
        // A bob deleted before this one was made: a row of its own by user.
        record('2026-03-01T10:40:00Z', { userId: 'u0', userName: 'bob', llmName: 'gpt', promptTokens: null, completionTokens: null }),
        // Outside the window.
        record('2026-03-01T09:59:59Z', { latencyMs: 100_000 }),
        record('2026-03-01T12:00:00Z', { latencyMs: 100_000 }),
      ]);
      const window = { since: new Date('2026-03-01T10:00:00Z'), until: new Date('2026-03-01T12:00:00Z') };

      const byLlm = await audit.usage({ by: 'llm', ...window });
      expect(byLlm.map((row) => row.key)).toEqual(['qwen3', 'gpt']);
      expect(byLlm[0]).toEqual({
        key: 'qwen3',
        requests: 20,
        errors: 1,
        promptTokens: 100,
        completionTokens: 140,
        // Over the answers that succeeded: a fast refusal says nothing of the model's speed.
        latencyP50Ms: 110,
        // To the hundredth of a millisecond: the interpolation's float noise (191.00000000000003) is not passed on.
        latencyP95Ms: 191,
        firstTokenP50Ms: 11,
        firstTokenP95Ms: 19.1,
      });
      expect(byLlm[1]).toMatchObject({ key: 'gpt', requests: 2, promptTokens: 0, firstTokenP50Ms: null });

      expect((await audit.usage({ by: 'user', ...window, userId: 'u2' })).map((row) => [row.key, row.requests])).toEqual([['bob', 1]]);
      expect((await audit.usage({ by: 'user', ...window })).map((row) => [row.key, row.requests])).toEqual([
        ['alice', 20],
        ['bob', 1],
        ['bob (deleted)', 1],
      ]);
      expect((await audit.usage({ by: 'agent', ...window })).map((row) => [row.key, row.requests])).toEqual([['reviewer', 1]]);

      expect(await audit.usageByHour({ by: 'user', ...window })).toEqual([
        { hour: '2026-03-01T10:00:00Z', key: 'alice', requests: 10, errors: 1, promptTokens: 50, completionTokens: 70 },
        { hour: '2026-03-01T10:00:00Z', key: 'bob', requests: 1, errors: 0, promptTokens: 0, completionTokens: 0 },
        { hour: '2026-03-01T10:00:00Z', key: 'bob (deleted)', requests: 1, errors: 0, promptTokens: 0, completionTokens: 0 },
        { hour: '2026-03-01T11:00:00Z', key: 'alice', requests: 10, errors: 0, promptTokens: 50, completionTokens: 70 },
      ]);
    } finally {
      await database.close();
    }
  });
});
