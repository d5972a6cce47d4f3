import { readdir, realpath, stat } from 'node:fs/promises';
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
 * directory, whose `.yaml`, `.yml` and `.json` files (symbolic links to files too, as in a mounted
 * ConfigMap) are read in name order, not its subdirectories. A file reached twice (`d/a.yaml`
 * and `./d/a.yaml`, or a directory and a file in it) is read once, where it first came.
 */
export async function readSources(paths: readonly string[], stdin: NodeJS.ReadableStream): Promise<Source[]> {
  if (paths.filter((path) => path === '-').length > 1) throw new UsageError('-f - reads stdin, which can be read only once; give it one time');
  const sources: Source[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    for (const file of await filesOf(path)) {
      // A path that cannot be resolved is readSource's to report, with its error code.
      const identity = file === '-' ? file : await realpath(file).catch(() => file);
      if (seen.has(identity)) continue;
      seen.add(identity);
      sources.push({ name: file === '-' ? 'stdin' : file, text: await readSource(file, stdin) });
    }
  }
  return sources;
}

async function filesOf(path: string): Promise<string[]> {
  if (path === '-') return [path];
  const found = await stat(path).catch(() => undefined);
  if (!found?.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const named = entries.filter((entry) => DOCUMENT_EXTENSIONS.has(extname(entry.name).toLowerCase())).map((entry) => join(path, entry.name));
  // A symbolic link counts when it leads to a file; `stat` follows it, as reading it will.
  const files = (await Promise.all(named.map(async (file) => ((await stat(file).catch(() => undefined))?.isFile() ? file : undefined)))).filter(
    (file): file is string => file !== undefined,
  );
  if (files.length === 0) throw new UsageError(`${path} is a directory with no .yaml, .yml or .json file in it; name the files to apply`);
  return files.sort();
}
