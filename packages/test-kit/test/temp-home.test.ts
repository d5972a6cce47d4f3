import { access, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../src/index.js';

describe('makeTempDir', () => {
  it('creates a private directory and removes it with its contents', async () => {
    const home = await makeTempDir('mcpctl-home');
    await writeFile(join(home.path, 'credentials'), '{}');

    expect(basename(home.path)).toMatch(/^mcpctl-home-/);
    expect((await stat(home.path)).mode & 0o777).toBe(0o700);
    await home.cleanup();
    await expect(access(home.path)).rejects.toThrow();
    await home.cleanup();
  });
});
