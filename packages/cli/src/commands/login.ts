import type { Command } from 'commander';
import { statusViewSchema, urlHoldsCredentials } from '@mcpctl/protocol';
import type { CliContext } from '../context.js';
import { normalizeBaseUrl, writeCredentials } from '../credentials.js';
import { ApiError, UsageError } from '../errors.js';

/** `mcpctl login --url URL --token TOKEN` */
export function registerLogin(program: Command, context: CliContext): void {
  program
    .command('login')
    .description('check a token against mcpd and store it in $MCPCTL_HOME/credentials')
    .requiredOption('--url <url>', 'mcpd base URL, e.g. http://mcpd.internal:3100')
    .requiredOption('--token <token>', 'your mcpd token')
    .action(async (options: { url: string; token: string }) => {
      const url = normalizeBaseUrl(checkUrl(options.url));
      if (options.token.trim() === '') throw new UsageError('--token must not be empty');
      let user: string;
      try {
        const status = await context.apiFor(url, options.token).get('/api/v1/status', statusViewSchema);
        user = status.user.name;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          throw new ApiError(401, `mcpd at ${url} rejected the token: ${error.message}`, {
            hint: 'check the value passed to --token',
            cause: error,
          });
        }
        throw error;
      }
      await writeCredentials(context.home, { mcpdUrl: url, token: options.token });
      context.printer.line(`Logged in to ${url} as ${user}.`);
    });
}

function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new UsageError(`--url ${value} is not a URL`, { hint: 'e.g. http://127.0.0.1:3100', cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url ${value} must start with http:// or https://`);
  }
  // Not echoed: the value holds a password.
  if (urlHoldsCredentials(value)) throw new UsageError('--url must not hold a user name or password; mcpd takes the token (--token) alone');
  return value;
}
