#!/usr/bin/env node
// npm links a workspace's binaries before its build writes dist/, so the link points at this
// committed file, which loads the built program.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('mcplocal is not built yet: run `npm run build` in the repository\n');
  process.exit(1);
}
await import(main.href);
