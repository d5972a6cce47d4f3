import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Fills an MCPCTL_HOME as a workstation has it: `config.json`, and `credentials` with mode 0600
 * as `mcpctl login` writes it. The config is taken as given, so tests may write invalid ones.
 */
export async function writeMcplocalHome(home: string, config: unknown, credentials: { mcpdUrl: string; token: string }): Promise<void> {
  await writeFile(join(home, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(join(home, 'credentials'), JSON.stringify(credentials), { mode: 0o600 });
}
