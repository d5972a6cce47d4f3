// tsc writes plain files; the workspace binaries npm links (mcpd, mcpctl, mcplocal, …) must be executable.
import { chmodSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const packagesDir = new URL('../packages/', import.meta.url).pathname;
for (const name of readdirSync(packagesDir)) {
  const manifestPath = join(packagesDir, name, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const { bin } = JSON.parse(readFileSync(manifestPath, 'utf8'));
  for (const target of Object.values(bin ?? {})) {
    const path = join(packagesDir, name, target);
    if (existsSync(path)) chmodSync(path, 0o755);
  }
}
