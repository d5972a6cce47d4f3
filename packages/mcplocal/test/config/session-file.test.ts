import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@mcpctl/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSessionId, sessionFile, writeSessionId } from '../../src/config/session-file.js';

describe('provider session file', () => {
  let home: TempDir;
  beforeEach(async () => {
    home = await makeTempDir('mcplocal-session');
  });
  afterEach(async () => {
    await home.cleanup();
  });

  it('is provider-session under the home', () => {
    expect(sessionFile(home.path)).toBe(join(home.path, 'provider-session'));
  });

  it('reads nothing before the first write, then the id written, private to its owner', async () => {
    const path = sessionFile(home.path);
    expect(await readSessionId(path)).toBeUndefined();
    await writeSessionId(path, 'ps_first');
    expect(await readSessionId(path)).toBe('ps_first');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('replaces an older file whole, fixing its mode, and leaves no temporary file behind', async () => {
    const path = sessionFile(home.path);
    await writeFile(path, 'ps_old_and_longer_than_the_new_one\n', { mode: 0o644 });
    await writeSessionId(path, 'ps_new');
    expect(await readSessionId(path)).toBe('ps_new');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(home.path)).toEqual(['provider-session']);
  });

  it('creates a missing home directory', async () => {
    const path = sessionFile(join(home.path, 'nested', 'home'));
    await writeSessionId(path, 'ps_nested');
    expect(await readSessionId(path)).toBe('ps_nested');
  });

  it('treats an empty file as no session', async () => {
    const path = sessionFile(home.path);
    await writeFile(path, '\n');
    expect(await readSessionId(path)).toBeUndefined();
  });
});
