#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { openDatabase, type DatabaseHandle, type NewAuditRecordRow } from '@mcpctl/db';
import { AuditRepository } from '@mcpctl/mcpd';
import { makeTempDir } from '@mcpctl/test-kit';

/*
 * `audit-batch [--sizes 100,500] [--batches 30]`: what one audit row costs mcpd on the embedded
 * database (CPU of every thread, the database's own included), loaded each way `AuditRepository`
 * can: COPY (what mcpd uses there) and the insert of column arrays (what it uses on PostgreSQL).
 * A fresh data directory with the schema's indexes; after 5 unmeasured batches of each, the two
 * ways take turns batch by batch, so a change in the machine's speed hits both alike. Prints µs
 * per row, wall and CPU.
 */

const WARMUP_BATCHES = 5;

try {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100,500' }, batches: { type: 'string', default: '30' } }, strict: true });
  const sizes = values.sizes.split(',').map(Number);
  const batches = Number(values.batches);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1) || !Number.isInteger(batches) || batches < 1) {
    throw new Error('usage: audit-batch [--sizes 100,500] [--batches 30] (positive whole numbers)');
  }
  const dataDir = await makeTempDir('mcpctl-audit-batch');
  try {
    const database = await openDatabase({ dataDir: dataDir.path });
    try {
      await measure(database, sizes, batches);
    } finally {
      await database.close();
    }
  } finally {
    await dataDir.cleanup();
  }
} catch (error) {
  process.stderr.write(`audit-batch: ${(error as Error).message}\n`);
  process.exitCode = 2;
}

/** Prints one table row per batch size and way. */
async function measure(database: DatabaseHandle, sizes: number[], batches: number): Promise<void> {
  const ways = [
    { name: 'COPY', repository: new AuditRepository(database.db, database.copyRows) },
    { name: 'insert of arrays', repository: new AuditRepository(database.db) },
  ];
  process.stdout.write('| rows per batch | way | wall µs/row | CPU µs/row |\n| --: | --- | --: | --: |\n');
  for (const size of sizes) {
    const spent = ways.map(() => ({ wallMs: 0, cpuMicros: 0 }));
    for (let batch = 0; batch < WARMUP_BATCHES + batches; batch += 1) {
      for (const [index, way] of ways.entries()) {
        const rows = auditRows(size);
        const cpuBefore = process.cpuUsage();
        const startedAt = performance.now();
        await way.repository.insertMany(rows);
        if (batch < WARMUP_BATCHES) continue;
        const cpu = process.cpuUsage(cpuBefore);
        spent[index]!.wallMs += performance.now() - startedAt;
        spent[index]!.cpuMicros += cpu.user + cpu.system;
      }
    }
    for (const [index, way] of ways.entries()) {
      const rows = size * batches;
      process.stdout.write(`| ${size} | ${way.name} | ${((spent[index]!.wallMs * 1000) / rows).toFixed(1)} | ${(spent[index]!.cpuMicros / rows).toFixed(1)} |\n`);
    }
  }
}

/** Rows shaped like a streamed answer's: every column filled but the ones a success leaves empty. */
function auditRows(count: number): NewAuditRecordRow[] {
  const at = new Date();
  return Array.from({ length: count }, (_, index) => ({
    at: new Date(at.getTime() + index),
    userId: 'usr_bench',
    userName: 'bench-user',
    llmName: 'bench',
    servedBy: 'bench',
    endpoint: 'chat.completions',
    streaming: true,
    status: 200,
    latencyMs: 1.25 + index / 1000,
    firstTokenMs: 0.5,
    queueMs: null,
    promptTokens: 12,
    completionTokens: 16,
    error: null,
    agentName: null,
  }));
}
