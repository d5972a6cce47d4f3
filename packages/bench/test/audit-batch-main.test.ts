import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The built entry point, as docs/benchmarks.md runs it.
const MAIN = fileURLToPath(new URL('../dist/audit-batch-main.js', import.meta.url));
const run = promisify(execFile);

describe('audit-batch', () => {
  it('prints each way of loading audit rows for each batch size, with wall and CPU time per row', async () => {
    const { stdout, stderr } = await run(process.execPath, [MAIN, '--sizes', '3,7', '--batches', '2']);
    expect(stderr).toBe('');
    const rows = stdout
      .trim()
      .split('\n')
      .slice(2)
      .map((line) => line.split('|').map((cell) => cell.trim()).filter(Boolean));
    expect(rows.map((cells) => cells.slice(0, 2).join(' '))).toEqual(['3 COPY', '3 insert of arrays', '7 COPY', '7 insert of arrays']);
    for (const [, , wall, cpu] of rows) {
      expect(Number(wall)).toBeGreaterThan(0);
      expect(Number(cpu)).toBeGreaterThanOrEqual(0);
    }
  }, 60_000);

  it('refuses sizes that are not positive whole numbers, saying how to call it', async () => {
    await expect(run(process.execPath, [MAIN, '--sizes', '0'])).rejects.toMatchObject({
      code: 2,
      stderr: 'audit-batch: usage: audit-batch [--sizes 100,500] [--batches 30] (positive whole numbers)\n',
    });
  });
});
