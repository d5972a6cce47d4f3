import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export type Found = 'found' | 'not executable' | 'missing' | 'directory';

/** Whether `program` can be run: a path to an executable file (from `cwd`), or a name found on `path`. */
export function findProgram(program: string, path: string, cwd: string | undefined): Found {
  if (program.includes('/')) return executable(resolve(cwd ?? process.cwd(), program));
  const found = path
    .split(delimiter)
    .filter((directory) => directory !== '')
    .map((directory) => executable(join(directory, program)));
  // A directory on the PATH named like the program is no program: it counts as not found there, as for a shell.
  return found.includes('found') ? 'found' : found.includes('not executable') ? 'not executable' : 'missing';
}

/** What to do about a program `findProgram` did not find, after "which": `is not executable; chmod +x it`. */
export function programFix(found: Exclude<Found, 'found'>, program: string): string {
  if (found === 'not executable') return 'is not executable; chmod +x it';
  if (found === 'directory') return 'is a directory; set "command" to the program in it';
  return program.includes('/') ? 'does not exist; set "command" to where it is' : 'is not on the PATH; install it, or set "command" to its full path';
}

function executable(file: string): Found {
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) return 'directory';
    if (!stat.isFile()) return 'missing';
  } catch {
    return 'missing';
  }
  try {
    accessSync(file, constants.X_OK);
    return 'found';
  } catch {
    return 'not executable';
  }
}
