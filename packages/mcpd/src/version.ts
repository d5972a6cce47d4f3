import { readFileSync } from 'node:fs';

/** The version in mcpd's package.json, read once. */
export const MCPD_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
