import { Argument, Option, type Command } from 'commander';
import type { AgentView } from '@mcpctl/protocol';
import type { ApiClient } from '../api-client.js';
import { agentHeader } from '../chat/agent-header.js';
import { agentChatTarget } from '../chat/chat-target.js';
import { otherChatCommand } from '../chat/other-chat-command.js';
import { runChat, type ChatFlags } from '../chat/run-chat.js';
import { ThreadHistory } from '../chat/thread-history.js';
import { completeNames } from '../completion/completion-hints.js';
import type { CliContext } from '../context.js';
import { ApiError, UsageError } from '../errors.js';
import { getAgent } from '../resources/agent/agent-api.js';
import { findLlm } from '../resources/llm/llm-api.js';
import { getThread } from '../resources/thread/thread-api.js';
import { parseMessage, parseNonEmpty, parsePositiveInteger, parseTemperature } from './option-parsers.js';

interface ChatOptions extends ChatFlags {
  thread?: string;
}

/**
 * `mcpctl chat AGENT`: a chat through an agent (its system prompt and default parameters),
 * the history kept by mcpd in a thread. Each turn sends only the new message with the
 * thread's id; the thread to continue later is named on stderr.
 */
export function registerChat(program: Command, context: CliContext): void {
  program
    .command('chat')
    .description('chat with an agent; the conversation is stored as a thread you can continue with --thread')
    .addArgument(completeNames(new Argument('<agent>', 'agent name'), 'agent'))
    .addOption(completeNames(new Option('--thread <id>', 'continue a stored thread (see mcpctl get threads)').argParser(parseNonEmpty), 'thread'))
    .option('-m, --message <text>', 'send one message, print the answer and exit', parseMessage)
    .option('--temperature <n>', "sampling temperature (0 to 2), over the agent's default", parseTemperature)
    .option('--max-tokens <n>', "longest answer, in tokens, over the agent's default", parsePositiveInteger)
    .option('--no-stream', 'wait for the whole answer instead of streaming it')
    .action(async (agentName: string, options: ChatOptions) => {
      const client = await context.api();
      const agent = await agentNamed(client, agentName);
      if (options.thread !== undefined) await checkThread(client, options.thread, agent);
      context.printer.notice(agentHeader(agent, await findLlm(client, agent.llm), options.message !== undefined));
      if (options.thread !== undefined) context.printer.notice(threadLine(agent.name, options.thread));
      const history = new ThreadHistory(options.thread);
      try {
        await runChat(context, client, agentChatTarget(agent.name, agent.llm), history, options);
      } finally {
        // Named at the start already when it was given and is still the one in use.
        if (history.threadId !== undefined && history.threadId !== options.thread) {
          context.printer.notice(threadLine(agent.name, history.threadId));
        }
      }
    });
}

/** The thread must exist, be the caller's, and belong to this agent: mcpd would prepend its history to any agent's chat. */
async function checkThread(client: ApiClient, threadId: string, agent: AgentView): Promise<void> {
  const thread = await getThread(client, threadId);
  if (thread.agent !== agent.name) {
    throw new UsageError(`thread ${threadId} is a conversation with agent ${thread.agent}, not ${agent.name}`, {
      hint: `continue it with 'mcpctl chat ${thread.agent} --thread ${threadId}'`,
    });
  }
}

export function threadLine(agentName: string, threadId: string): string {
  return `Thread: ${threadId} (continue with: mcpctl chat ${agentName} --thread ${threadId})`;
}

/** The agent; a name that is an LLM's or a pool's instead gets a 404 that points at `chat-llm`. */
async function agentNamed(client: ApiClient, name: string): Promise<AgentView> {
  try {
    return await getAgent(client, name);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    throw (await otherChatCommand(client, name, 'agent')) ?? error;
  }
}
