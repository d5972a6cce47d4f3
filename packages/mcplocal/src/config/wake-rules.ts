import type { ProviderEntry } from '@mcpctl/protocol';
import { findProgram, programFix } from './find-program.js';

/**
 * A command wake recipe's program can be run, as a managed server's must: mcplocal runs it with
 * its own environment and directory, and a program it cannot find would otherwise show only at
 * the first request for the sleeping backend, as a wake that fails.
 */
export function wakeProblems(entry: ProviderEntry, at: string, env: NodeJS.ProcessEnv): string[] {
  const wake = entry.wake;
  if (wake?.type !== 'command') return [];
  const found = findProgram(wake.command, env.PATH ?? '', undefined);
  return found === 'found' ? [] : [`${at}.wake: command "${wake.command}", which ${programFix(found, wake.command)}`];
}
