import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  /** Removes the directory and everything in it; safe to call twice. */
  cleanup: () => Promise<void>;
}

/** A fresh private (0700) directory under the system temp dir, e.g. for MCPCTL_HOME or a data dir. */
export async function makeTempDir(prefix = 'mcpctl'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
