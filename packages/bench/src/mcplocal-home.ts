import type { CredentialsFile, McplocalConfig } from '@mcpctl/protocol';
import { makeTempDir, writeMcplocalHome as writeHome } from '@mcpctl/test-kit';
import type { CleanupStack } from './cleanup-stack.js';

/**
 * A fresh MCPCTL_HOME holding `config.json` and `credentials` (mode 0600, as `mcpctl login`
 * writes it), removed with the rest of the run's state.
 */
export async function writeMcplocalHome(config: McplocalConfig, credentials: CredentialsFile, cleanup: CleanupStack): Promise<string> {
  const home = await makeTempDir('mcpctl-bench-home');
  cleanup.add(`remove ${home.path}`, home.cleanup);
  await writeHome(home.path, config, credentials);
  return home.path;
}
