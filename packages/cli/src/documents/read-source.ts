import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/** The text of `apply -f FILE`, or of stdin for `-f -`. */
export async function readSource(path: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (path === '-') return readAll(stdin);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === undefined ? '' : `: ${READ_FAILURES[code] ?? code}`;
    throw new UsageError(`cannot read ${path}${why}`, { cause: error });
  }
}

/** The usual reasons a file cannot be read, in words. */
const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
};

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
