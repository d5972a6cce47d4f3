import { testDatabaseVariants } from '@mcpctl/test-kit';
import { describe, expect, it } from 'vitest';
import { AuditRepository } from '../src/repositories/audit-repository.js';

describe.each(testDatabaseVariants())('audit records on $name', (variant) => {
  it('stores a batch in one statement, every field intact, and lists newest first with filters', async () => {
    const database = await variant.open();
    try {
      const audit = new AuditRepository(database.db);
      const at = new Date('2026-03-01T10:00:00.123Z');
      await audit.insertMany([
        { at, userId: 'u1', userName: 'alice', llmName: 'qwen3', servedBy: 'qwen3-bob', endpoint: 'infer', streaming: true, status: 200, latencyMs: 12.5, firstTokenMs: 3.25, queueMs: 0.5, promptTokens: 10, completionTokens: 20, error: null },
        { at, userId: 'u2', userName: 'bob', llmName: 'gpt', servedBy: null, endpoint: 'chat.completions', streaming: false, status: 502, latencyMs: 1, firstTokenMs: null, queueMs: null, promptTokens: null, completionTokens: null, error: "it's \"broken\"\nbadly" },
      ]);
      const all = await audit.list({ limit: 10 });
      expect(all.map((row) => row.llmName)).toEqual(['gpt', 'qwen3']);
      expect(all[1]).toMatchObject({ at, userName: 'alice', servedBy: 'qwen3-bob', streaming: true, status: 200, latencyMs: 12.5, firstTokenMs: 3.25, queueMs: 0.5, promptTokens: 10, completionTokens: 20, error: null });
      expect(all[0]).toMatchObject({ servedBy: null, streaming: false, status: 502, promptTokens: null, error: "it's \"broken\"\nbadly" });
      expect((await audit.list({ limit: 10, userName: 'alice' })).map((row) => row.llmName)).toEqual(['qwen3']);
      expect((await audit.list({ limit: 10, llmName: 'gpt' })).map((row) => row.userName)).toEqual(['bob']);
    } finally {
      await database.close();
    }
  });
});
