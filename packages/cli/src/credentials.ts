import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { credentialsFileSchema, urlHoldsCredentials, type CredentialsFile } from '@mcpctl/protocol';
import { ConfigError, UsageError } from './errors.js';
import { checkSchema } from './schema-check.js';

export type Credentials = CredentialsFile;

/** Environment variables the CLI reads. */
export interface CliEnvironment {
  readonly [name: string]: string | undefined;
}

/** The login every hint suggests: `--token -` reads the token from stdin, out of shell history and `ps`. */
export const LOGIN_COMMAND = 'mcpctl login --url URL --token -';

const LOGIN_HINT = `run '${LOGIN_COMMAND}' (or set MCPCTL_URL and MCPCTL_TOKEN)`;

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
  if (envUrl !== undefined) checkMcpdUrl(envUrl, { name: 'MCPCTL_URL', tokenName: 'MCPCTL_TOKEN', errorClass: UsageError });
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

/** Where an mcpd URL was given, as the messages about it name it. */
export interface McpdUrlSource {
  /** `--url`, `MCPCTL_URL`. */
  readonly name: string;
  /** Where the token goes instead of the URL's user name and password. */
  readonly tokenName: string;
  /** A flag's mistake is a usage error (exit 2); the environment's is configuration, as a bad credentials file is (exit 1). */
  readonly errorClass: typeof UsageError | typeof ConfigError;
}

/**
 * An mcpd URL as given, checked before anything is sent to it: `fetch` would only say it failed
 * to parse, which reads like an mcpd that is down. (The credentials file's schema checks its own.)
 */
export function checkMcpdUrl(value: string, source: McpdUrlSource): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new source.errorClass(`${source.name} ${value} is not a URL`, { hint: 'e.g. http://127.0.0.1:3100', cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new source.errorClass(`${source.name} ${value} must start with http:// or https://`);
  }
  // Not echoed: the value holds a password.
  if (urlHoldsCredentials(value)) throw new source.errorClass(`${source.name} must not hold a user name or password; mcpd takes the token (${source.tokenName}) alone`);
  return value;
}

/** `http://host:port/` and `http://host:port` name the same server. */
export function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
