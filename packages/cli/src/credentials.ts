import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { credentialsFileSchema, urlHoldsCredentials, type CredentialsFile } from '@mcpctl/protocol';
import { ConfigError } from './errors.js';
import { checkSchema } from './schema-check.js';

export type Credentials = CredentialsFile;

/** Environment variables the CLI reads. */
export interface CliEnvironment {
  readonly [name: string]: string | undefined;
}

const LOGIN_HINT = "run 'mcpctl login --url URL --token TOKEN' (or set MCPCTL_URL and MCPCTL_TOKEN)";

/** `$MCPCTL_HOME`, else `~/.mcpctl`. */
export function mcpctlHome(env: CliEnvironment): string {
  const fromEnv = env.MCPCTL_HOME;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.mcpctl');
}

export function credentialsPath(home: string): string {
  return join(home, 'credentials');
}

/** The stored credentials, or `undefined` when the file does not exist. */
export async function readCredentialsFile(path: string): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON`, { hint: LOGIN_HINT, cause: error });
  }
  const checked = checkSchema(credentialsFileSchema, json);
  if (!checked.ok) throw new ConfigError(`${path} is invalid: ${checked.problems}`, { hint: LOGIN_HINT });
  return checked.value;
}

/**
 * Where to reach mcpd and with which token. `MCPCTL_URL` and `MCPCTL_TOKEN` each override
 * the matching field of the credentials file, so a CI job needs no file at all.
 */
export async function resolveCredentials(env: CliEnvironment, home: string): Promise<Credentials> {
  const envUrl = nonEmpty(env.MCPCTL_URL);
  if (envUrl !== undefined && urlHoldsCredentials(envUrl)) {
    throw new ConfigError('MCPCTL_URL must not hold a user name or password; mcpd takes the token (MCPCTL_TOKEN) alone');
  }
  const envToken = nonEmpty(env.MCPCTL_TOKEN);
  const stored = envUrl !== undefined && envToken !== undefined ? undefined : await readCredentialsFile(credentialsPath(home));
  const mcpdUrl = envUrl ?? stored?.mcpdUrl;
  const token = envToken ?? stored?.token;
  if (mcpdUrl === undefined || token === undefined) {
    const missing = mcpdUrl === undefined ? 'no mcpd URL' : 'no token';
    throw new ConfigError(`not logged in (${missing} configured)`, { hint: LOGIN_HINT });
  }
  return { mcpdUrl: normalizeBaseUrl(mcpdUrl), token };
}

/** Writes the credentials file readable by its owner only (directory 0700, file 0600). */
export async function writeCredentials(home: string, credentials: Credentials): Promise<string> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const path = credentialsPath(home);
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode only applies when it creates the file; an older file keeps its mode.
  await chmod(path, 0o600);
  return path;
}

/** `http://host:port/` and `http://host:port` name the same server. */
export function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
