import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { readSource } from './read-source.js';

/** One input of `apply`: its name as messages give it (a path, or `stdin`) and its text. */
export interface Source {
  name: string;
  text: string;
}

/** The files of a directory `apply -f DIR` reads, as kubectl reads them. */
const DOCUMENT_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * The inputs of `apply -f A -f B …`, in the order given: a file, `-` for stdin (once), or a
 * directory, whose `.yaml`, `.yml` and `.json` files are read in name order (not its
 * subdirectories). A path named twice is read once.
 */
export async function readSources(paths: readonly string[], stdin: NodeJS.ReadableStream): Promise<Source[]> {
  if (paths.filter((path) => path === '-').length > 1) throw new UsageError("-f - reads stdin, which can be read only once; give it one time");
  const sources: Source[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    for (const file of await filesOf(path)) {
      if (seen.has(file)) continue;
      seen.add(file);
      sources.push({ name: file === '-' ? 'stdin' : file, text: await readSource(file, stdin) });
    }
  }
  return sources;
}

async function filesOf(path: string): Promise<string[]> {
  if (path === '-') return [path];
  const found = await stat(path).catch(() => undefined);
  // A path that is not there is readSource's to report, with its error code.
  if (!found?.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && DOCUMENT_EXTENSIONS.has(extname(entry.name).toLowerCase()))
    .map((entry) => join(path, entry.name))
    .sort();
  if (files.length === 0) throw new UsageError(`${path} is a directory with no .yaml, .yml or .json file in it; name the files to apply`);
  return files;
}
