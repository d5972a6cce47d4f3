import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CredentialsFile, McplocalConfig } from '@mcpctl/protocol';
import { makeTempDir } from '@mcpctl/test-kit';
import type { CleanupStack } from './cleanup-stack.js';

/**
 * A fresh MCPCTL_HOME holding `config.json` and `credentials` (mode 0600, as `mcpctl login`
 * writes it), removed with the rest of the run's state.
 */
export async function writeMcplocalHome(config: McplocalConfig, credentials: CredentialsFile, cleanup: CleanupStack): Promise<string> {
  const home = await makeTempDir('mcpctl-bench-home');
  cleanup.add(`remove ${home.path}`, home.cleanup);
  await writeFile(join(home.path, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(join(home.path, 'credentials'), JSON.stringify(credentials), { mode: 0o600 });
  return home.path;
}
