import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { statusViewSchema, type StatusView } from '@mcpctl/protocol';
import { notMcpdHint, readJson, STATUS_PATH, type ApiClient } from '../api-client.js';
import type { CliContext } from '../context.js';
import { checkMcpdUrl, normalizeBaseUrl, writeCredentials } from '../credentials.js';
import { ApiError, NotMcpdError, RequestError, UsageError } from '../errors.js';

/** `mcpctl login --url URL --token TOKEN`; the token may come from stdin (`--token -`) or MCPCTL_TOKEN instead. */
export function registerLogin(program: Command, context: CliContext): void {
  program
    .command('login')
    .description('check a token against mcpd and store it in $MCPCTL_HOME/credentials')
    .option('--url <url>', 'mcpd base URL, e.g. http://mcpd.internal:3100; without --url MCPCTL_URL is used')
    .option('--token <token>', "your mcpd token; '-' reads it from stdin, and without --token MCPCTL_TOKEN is used (neither leaves it in shell history or ps)")
    .action(async (options: { url?: string; token?: string }) => {
      const url = normalizeBaseUrl(urlOf(options.url, context));
      const token = await tokenOf(options.token, context);
      const status = await askStatus(context.apiFor(url, token), url);
      await writeCredentials(context.home, { mcpdUrl: url, token });
      context.printer.line(`Logged in to ${url} as ${status.user.name}.`);
    });
}

/** The URL as given: the option's value, else MCPCTL_URL. */
function urlOf(option: string | undefined, context: CliContext): string {
  if (option !== undefined) return checkMcpdUrl(option, { name: '--url', tokenName: '--token', errorClass: UsageError });
  const fromEnv = context.env.MCPCTL_URL;
  if (fromEnv === undefined || fromEnv === '') {
    throw new UsageError("required option '--url <url>' not specified", { hint: "give mcpd's base URL, e.g. --url http://mcpd.internal:3100, or set MCPCTL_URL" });
  }
  return checkMcpdUrl(fromEnv, { name: 'MCPCTL_URL', tokenName: '--token', errorClass: UsageError });
}

/** The token as given: the option's value, stdin's first line for `-`, else MCPCTL_TOKEN. */
async function tokenOf(option: string | undefined, context: CliContext): Promise<string> {
  const from = option === '-' ? 'stdin' : option === undefined ? 'MCPCTL_TOKEN' : '--token';
  const token = (option === '-' ? await firstLine(context) : (option ?? context.env.MCPCTL_TOKEN))?.trim();
  if (token === undefined) {
    throw new UsageError("required option '--token <token>' not specified", { hint: "give the token, '--token -' to read it from stdin, or set MCPCTL_TOKEN" });
  }
  if (token === '') throw new UsageError(from === '--token' ? '--token must not be empty' : `the token read from ${from} is empty`);
  return token;
}

/** The first line of stdin; at a terminal, asked for on stderr and typed unseen. */
async function firstLine(context: CliContext): Promise<string | undefined> {
  const { stdin, stderr } = context.io;
  if (stdin.isTTY === true && isRawCapable(stdin)) return typedUnseen(stdin, stderr);
  if (stdin.isTTY === true) stderr.write('Token: ');
  const lines = createInterface({ input: stdin, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

/** mcpd's status with the token; a server that does not answer it as mcpd does is said to be no mcpd. */
async function askStatus(client: ApiClient, url: string): Promise<StatusView> {
  let response: Response;
  try {
    response = await client.request('GET', STATUS_PATH);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new ApiError(401, `mcpd at ${url} rejected the token: ${error.message}`, { hint: 'check the value passed to --token', cause: error });
    }
    if (error instanceof NotMcpdError) throw notMcpd(url, error.detail, error);
    throw error;
  }
  try {
    return await readJson(response, statusViewSchema, `GET ${STATUS_PATH}`);
  } catch (error) {
    if (error instanceof RequestError) throw notMcpd(url, `its answer to GET ${STATUS_PATH} is not mcpd's status`, error);
    throw error;
  }
}

function notMcpd(url: string, detail: string, cause: unknown): RequestError {
  return new RequestError(`no mcpd at ${url}: ${detail}`, { hint: notMcpdHint(url, (origin) => `--url ${origin}`), cause });
}

interface RawCapable {
  setRawMode(raw: boolean): unknown;
}

function isRawCapable(stream: object): stream is RawCapable {
  return typeof (stream as Partial<RawCapable>).setRawMode === 'function';
}

/** A line typed at the terminal without its echo, as a password prompt reads it; Ctrl-C cancels. */
function typedUnseen(stdin: NodeJS.ReadableStream & RawCapable, stderr: { write(text: string): unknown }): Promise<string> {
  stderr.write('Token (not shown): ');
  stdin.setRawMode(true);
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const done = (finish: () => void) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      finish();
    };
    const onData = (chunk: Buffer | string) => {
      // An arrow or function key sends an escape sequence: it is no part of a token.
      // eslint-disable-next-line no-control-regex -- the escape is what it matches
      for (const char of chunk.toString().replace(/\u001b(\[[0-9;]*[~A-Za-z]|O.|.)?/g, '')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done(() => resolve(typed));
        if (char === '\u0003') return done(() => reject(new UsageError('login cancelled')));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    const onEnd = () => done(() => resolve(typed));
    const onError = (error: Error) => done(() => reject(error));
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
    stdin.resume();
  });
}
