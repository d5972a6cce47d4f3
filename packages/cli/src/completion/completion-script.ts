import type { Command } from 'commander';
import { bashScript } from './bash-script.js';
import { buildCompletionTree } from './completion-tree.js';
import { fishScript } from './fish-script.js';
import { zshScript } from './zsh-script.js';

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** The completion script of `shell` for `program`, generated from its command tree. */
export function completionScript(program: Command, shell: CompletionShell): string {
  const tree = buildCompletionTree(program);
  switch (shell) {
    case 'bash':
      return bashScript(tree);
    case 'zsh':
      return zshScript(tree);
    case 'fish':
      return fishScript(tree);
  }
}
