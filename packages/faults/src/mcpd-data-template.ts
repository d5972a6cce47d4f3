import { cp } from 'node:fs/promises';
import { makeTempDir, spawnMcpd, type TempDir } from '@mcpctl/test-kit';

/** A data directory one mcpd has initialised: the embedded database migrated, the admin created. */
export interface McpdDataTemplate {
  adminToken: string;
  /** Copies the template into `dataDir` (an empty directory). */
  copyTo(dataDir: string): Promise<void>;
}

let template: Promise<{ dir: TempDir; adminToken: string }> | undefined;

/*
 * A first start runs initdb inside WebAssembly (seconds on an idle machine, tens on a loaded
 * one); a start on an initialised directory skips it. Every scenario wants its own fresh mcpd, so
 * the suite initialises one directory once and gives each scenario a copy: the same files mcpd
 * would find after a restart.
 */
export function mcpdDataTemplate(): Promise<McpdDataTemplate> {
  template ??= (async () => {
    const dir = await makeTempDir('mcpctl-faults-template');
    try {
      const mcpd = await spawnMcpd({ dataDir: dir.path });
      await mcpd.stop();
      return { dir, adminToken: mcpd.adminToken };
    } catch (error) {
      await dir.cleanup();
      throw error;
    }
  })().catch((error: unknown) => {
    template = undefined;
    throw error;
  });
  return template.then(({ dir, adminToken }) => ({
    adminToken,
    copyTo: (dataDir: string) => cp(dir.path, dataDir, { recursive: true }),
  }));
}

/** Removes the template, once the suite is over. */
export async function removeMcpdDataTemplate(): Promise<void> {
  const current = template;
  template = undefined;
  const made = await current?.catch(() => undefined);
  await made?.dir.cleanup();
}
