import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/** The text of `apply -f FILE`, or of stdin for `-f -`. */
export async function readSource(path: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (path === '-') return readAll(stdin);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}${code === undefined ? '' : ` (${code})`}`, { cause: error });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
