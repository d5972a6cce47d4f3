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
    return { kind: 'invalid', problem: `not valid JSON: ${withLineAndColumn((error as Error).message, text)}` };
  }
}

/**
 * Node 20's JSON errors say `at position 116`, which nobody can find in an editor; newer Nodes
 * add the line and column themselves, and then the message is left as it is. The text a message
 * quotes is dropped.
 */
function withLineAndColumn(parserMessage: string, text: string): string {
  // V8 quotes the text around a bad token, and a credentials file's text is a token.
  const message = parserMessage.replace(/, ".*" is not valid JSON$/s, '');
  const position = /at position (\d+)/.exec(message);
  if (position?.[1] === undefined || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}
