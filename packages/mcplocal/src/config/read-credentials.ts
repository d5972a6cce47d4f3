import { stat } from 'node:fs/promises';
import { credentialsFileSchema, type CredentialsFile } from '@mcpctl/protocol';
import { readJsonFile } from './read-json-file.js';
import { schemaProblems } from './schema-problems.js';

/**
 * The credentials `mcpctl login` wrote, or undefined when there are none (publishing needs
 * them, but that is the publisher's call). A file that is there must be valid and private:
 * it holds a bearer token, so one readable by group or others is refused, as ssh refuses a
 * private key.
 */
export async function readCredentials(path: string): Promise<{ credentials: CredentialsFile | undefined; problems: string[] }> {
  const file = await readJsonFile(path);
  if (file.kind === 'missing') return { credentials: undefined, problems: [] };
  const problems: string[] = [];
  if (process.platform !== 'win32') {
    const { mode } = await stat(path);
    if ((mode & 0o077) !== 0) {
      problems.push(`credentials: must be mode 0600, is ${(mode & 0o777).toString(8).padStart(4, '0')} (chmod 600 ${path})`);
    }
  }
  if (file.kind === 'invalid') return { credentials: undefined, problems: [...problems, `credentials: ${file.problem}`] };
  const parsed = credentialsFileSchema.safeParse(file.value);
  if (!parsed.success) {
    const hint = ` (run mcpctl login again)`;
    return { credentials: undefined, problems: [...problems, ...schemaProblems('credentials', parsed.error.issues).map((problem) => problem + hint)] };
  }
  return { credentials: problems.length === 0 ? parsed.data : undefined, problems };
}
