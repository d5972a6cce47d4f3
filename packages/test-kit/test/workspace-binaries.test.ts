import { execFile } from 'node:child_process';
import { readFile, realpath, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * npm links a workspace's binaries into node_modules/.bin before the build writes dist/, so a
 * binary that points into dist/ is missing after a fresh clone's first `npm ci`. Each binary
 * must be a committed, executable file that loads the built program.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));

const binaries = [
  { name: 'mcpctl', packageDir: 'packages/cli', args: ['--help'], code: 0, says: /Usage: mcpctl/ },
  { name: 'mcpd', packageDir: 'packages/mcpd', args: ['--help'], code: 0, says: /usage: mcpd/ },
  { name: 'mcplocal', packageDir: 'packages/mcplocal', args: ['--help'], code: 0, says: /Usage: mcplocal/ },
  { name: 'fake-upstream', packageDir: 'packages/test-kit', args: ['--no-such-flag'], code: 2, says: /usage: fake-upstream/ },
];

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('workspace binaries', () => {
  for (const binary of binaries) {
    it(`${binary.name} is a committed executable outside dist/, linked into node_modules/.bin`, async () => {
      const manifest = JSON.parse(await readFile(join(root, binary.packageDir, 'package.json'), 'utf8')) as {
        bin: Record<string, string>;
      };
      const target = manifest.bin[binary.name];
      expect(target).toBeDefined();
      expect(target).not.toMatch(/(^|\/)dist\//);
      const file = join(root, binary.packageDir, target!);
      expect((await stat(file)).mode & 0o111).toBe(0o111);
      expect((await readFile(file, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);

      const linked = join(root, 'node_modules', '.bin', binary.name);
      expect(relative(root, await realpath(linked))).toBe(relative(root, await realpath(file)));
      const result = await run(linked, binary.args);
      expect(result.output).toMatch(binary.says);
      expect(result.code).toBe(binary.code);
    });
  }
});
