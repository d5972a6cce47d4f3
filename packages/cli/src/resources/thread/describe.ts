import type { Command } from 'commander';
import type { ThreadDetailView, ThreadMessageView } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import { timeWithAge } from '../../format/relative-age.js';
import { ABSENT } from '../../printer.js';
import { getThread } from './thread-api.js';

/** `mcpctl describe thread ID`: the thread, then every message in order. */
export function registerDescribeThread(describe: Command, context: CliContext): void {
  describe
    .command('thread')
    .alias('threads')
    .description('show a conversation with an agent, every message in order')
    .argument('<id>', 'thread id')
    .action(async (id: string) => {
      const thread = await getThread(await context.api(), id);
      const { printer } = context;
      printer.fields(describeThreadFields(thread, new Date(context.now())));
      for (const message of thread.messages) {
        printer.line();
        for (const line of messageLines(message)) printer.line(line);
      }
    });
}

export function describeThreadFields(thread: ThreadDetailView, now: Date): Array<readonly [string, string]> {
  return [
    ['ID', thread.id],
    ['Agent', thread.agent],
    ['Title', thread.title ?? ABSENT],
    ['Messages', String(thread.messages.length)],
    ['Created', timeWithAge(thread.createdAt, now)],
    ['Updated', timeWithAge(thread.updatedAt, now)],
  ];
}

/** `TIME  ROLE  (N prompt + M completion tokens)`, then the content indented. */
export function messageLines(message: ThreadMessageView): string[] {
  const tokens = tokenCounts(message);
  const heading = [message.createdAt, message.role, ...(tokens === undefined ? [] : [tokens])].join('  ');
  return [heading, ...message.content.split('\n').map((line) => (line === '' ? '' : `  ${line}`))];
}

function tokenCounts(message: ThreadMessageView): string | undefined {
  const counts = [
    ...(message.promptTokens === null ? [] : [`${message.promptTokens} prompt`]),
    ...(message.completionTokens === null ? [] : [`${message.completionTokens} completion`]),
  ];
  return counts.length === 0 ? undefined : `(${counts.join(' + ')} tokens)`;
}
