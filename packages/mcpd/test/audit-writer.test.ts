import { ManualClock } from '@mcpctl/clock/manual';
import type { NewAuditRecordRow } from '@mcpctl/db';
import { testDatabaseVariants } from '@mcpctl/test-kit';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuditRepository } from '../src/repositories/audit-repository.js';
import { AuditWriter } from '../src/services/audit-writer.js';

const at = new Date('2026-03-01T10:00:00.000Z');
const record = (userName: string, llmName: string, overrides: Partial<NewAuditRecordRow> = {}): NewAuditRecordRow => ({
  at, userId: null, userName, llmName, servedBy: null, endpoint: 'chat.completions', streaming: false, status: 200, latencyMs: 1,
  firstTokenMs: null, queueMs: null, promptTokens: null, completionTokens: null, error: null, ...overrides,
});
/** Random text does not compress: past the size a btree index entry can hold. */
const hugeName = () => randomBytes(45 * 1024).toString('base64');

describe.each(testDatabaseVariants())('audit writer on $name', (variant) => {
  it('a row the database refuses loses only itself: the rest of its batch is stored, the loss reported', async () => {
    const database = await variant.open();
    try {
      const audit = new AuditRepository(database.db, database.copyRows);
      const failures: Array<{ lost: number; who: string[] }> = [];
      const writer = new AuditWriter(audit, { clock: new ManualClock(), flushIntervalMs: 60_000, maxBatch: 100, onError: (_error, lost, who) => failures.push({ lost, who }) });
      writer.record(record('alice', 'qwen3'));
      // An integer column cannot hold this: the one statement of the batch fails.
      writer.record(record('mallory', 'qwen3', { status: 2 ** 40 }));
      writer.record(record('carol', 'gpt'));
      await writer.flush();
      expect((await audit.list({ limit: 10 })).map((row) => row.userName).sort()).toEqual(['alice', 'carol']);
      expect(failures).toHaveLength(1);
      expect(failures[0]?.lost).toBe(1);
      expect(failures[0]?.who[0]).toContain('mallory');
    } finally {
      await database.close();
    }
  });

  it('stores a record whose token counts no column holds, without them: a publisher cannot erase it or count below zero', async () => {
    const database = await variant.open();
    try {
      const audit = new AuditRepository(database.db, database.copyRows);
      const failures: number[] = [];
      const writer = new AuditWriter(audit, { clock: new ManualClock(), flushIntervalMs: 60_000, maxBatch: 100, onError: (_error, lost) => failures.push(lost) });
      const counts: unknown[] = [3_000_000_000, 1.5, -5, '12abc', 1e300, Number.NaN, 42];
      for (const [index, count] of counts.entries()) {
        writer.record(record(`user-${index}`, 'qwen3', { promptTokens: count as number, completionTokens: count as number }));
      }
      await writer.flush();
      expect(failures).toEqual([]);
      const rows = await audit.list({ limit: 10 });
      expect(rows.map((row) => [row.userName, row.promptTokens, row.completionTokens]).sort()).toEqual([
        ['user-0', null, null], ['user-1', null, null], ['user-2', null, null], ['user-3', null, null], ['user-4', null, null], ['user-5', null, null], ['user-6', 42, 42],
      ]);
    } finally {
      await database.close();
    }
  });

  it('a record that comes after close is reported lost at once, with no timer left to write it', async () => {
    const database = await variant.open();
    try {
      const audit = new AuditRepository(database.db, database.copyRows);
      const clock = new ManualClock();
      const failures: Array<{ lost: number; who: string[]; message: string }> = [];
      const writer = new AuditWriter(audit, { clock, flushIntervalMs: 60_000, maxBatch: 100, onError: (error, lost, who) => failures.push({ lost, who, message: (error as Error).message }) });
      writer.record(record('alice', 'qwen3'));
      const closing = writer.close();
      // A call that ends while the last write runs is written with it.
      writer.record(record('ending', 'qwen3'));
      await closing;
      writer.record(record('late', 'qwen3'));
      expect(clock.pendingTimers).toBe(0);
      expect(failures).toEqual([{ lost: 1, who: [expect.stringContaining('late qwen3 200')], message: 'the audit was closed for the stop before this call ended' }]);
      expect((await audit.list({ limit: 10 })).map((row) => row.userName).sort()).toEqual(['alice', 'ending']);
    } finally {
      await database.close();
    }
  });

  it('stores what a caller sent whatever its size or bytes: long names and errors cut, NUL dropped, lone surrogates replaced', async () => {
    const database = await variant.open();
    try {
      const audit = new AuditRepository(database.db, database.copyRows);
      // The database itself refuses such a name (it is why the writer bounds it).
      await expect(audit.insertMany([record('x', hugeName())])).rejects.toThrow();
      const failures: number[] = [];
      const writer = new AuditWriter(audit, { clock: new ManualClock(), flushIntervalMs: 60_000, maxBatch: 100, onError: (_error, lost) => failures.push(lost) });
      const name = hugeName();
      writer.record(record('alice', 'qwen3'));
      writer.record(record('mallory', name, { status: 404, error: `no LLM named ${name}` }));
      writer.record(record('eve\u0000', 'a\u0000b\uD800c', { error: 'bad\u0000' }));
      await writer.flush();
      expect(failures).toEqual([]);
      const rows = await audit.list({ limit: 10 });
      expect(rows).toHaveLength(3);
      const mallory = rows.find((row) => row.userName === 'mallory');
      expect(mallory?.llmName).toHaveLength(256);
      expect(mallory?.llmName.startsWith(name.slice(0, 255))).toBe(true);
      expect(mallory?.error?.length).toBe(2000);
      expect(rows.find((row) => row.userName === 'eve')).toMatchObject({ llmName: 'ab\uFFFDc', error: 'bad' });
    } finally {
      await database.close();
    }
  });
});
