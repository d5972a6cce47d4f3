import { Argument, type Command } from 'commander';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from '../completion/completion-script.js';
import { NAME_LISTERS } from '../completion/name-listers.js';
import type { CliContext } from '../context.js';

/** A shell waits on completion: a slow or unreachable server must not freeze the prompt for long. */
const NAME_COMPLETION_TIMEOUT_MS = 1500;

/** `mcpctl completion bash|zsh|fish`, and the hidden `mcpctl __complete KIND PREFIX` the scripts call for names. */
export function registerCompletion(program: Command, context: CliContext): void {
  program
    .command('completion')
    .description('print a shell completion script, e.g. source <(mcpctl completion bash)')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(COMPLETION_SHELLS))
    .action((shell: CompletionShell) => {
      context.printer.line(completionScript(program, shell).trimEnd());
    });

  program
    .command('__complete', { hidden: true })
    .description('print the names of KIND starting with PREFIX, one per line')
    .argument('<kind>', 'resource kind: llm, pool, agent, thread, …')
    .argument('[prefix]', 'what the word under the cursor starts with', '')
    .action(async (kind: string, prefix: string) => {
      for (const name of await completableNames(context, kind, prefix)) context.printer.line(name);
    });
}

/**
 * The names a completion offers. Whatever goes wrong (not logged in, server down or slow,
 * an unknown kind) the answer is no names: a completion must never print into the shell
 * or keep the prompt waiting.
 */
async function completableNames(context: CliContext, kind: string, prefix: string): Promise<string[]> {
  const lister = NAME_LISTERS.get(kind);
  if (lister === undefined) return [];
  try {
    const names = await lister(await context.api(), AbortSignal.timeout(NAME_COMPLETION_TIMEOUT_MS));
    return [...new Set(names)].filter((name) => name.startsWith(prefix));
  } catch {
    return [];
  }
}
