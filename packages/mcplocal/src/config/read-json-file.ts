import { readFile } from 'node:fs/promises';

/** A JSON file as found on disk: absent, unreadable or not JSON (with the reason), or parsed. */
export type JsonFile = { kind: 'missing' } | { kind: 'invalid'; problem: string } | { kind: 'json'; value: unknown };

export async function readJsonFile(path: string): Promise<JsonFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'invalid', problem: `cannot read ${path}: ${(error as Error).message}` };
  }
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch (error) {
    return { kind: 'invalid', problem: `not valid JSON: ${(error as Error).message}` };
  }
}
