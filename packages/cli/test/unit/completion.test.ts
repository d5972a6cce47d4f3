import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '@mcpctl/test-kit';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from '../../src/completion/completion-script.js';
import { createContext } from '../../src/context.js';
import { buildProgram } from '../../src/program.js';
import { runCli } from '../../src/run-cli.js';
import { CapturedStream } from '../helpers/captured-stream.js';
import { findExecutable, runShell } from '../helpers/shells.js';

function program(): Command {
  return buildProgram(createContext({ stdin: Readable.from([]), stdout: new CapturedStream(), stderr: new CapturedStream(), env: {} }));
}

/** Every word `get` shows, read from the program itself (the other resource helpers' kinds included; a hidden one, which only explains itself, not). */
function resourceKinds(root: Command): string[] {
  const get = root.commands.find((command) => command.name() === 'get');
  if (get === undefined) return [];
  const visible = get.createHelp().visibleCommands(get);
  return get.commands.filter((kind) => visible.includes(kind)).flatMap((kind) => [kind.name(), ...kind.aliases()]);
}

const SHELLS = { bash: findExecutable('bash'), zsh: findExecutable('zsh'), fish: findExecutable('fish') };

/** The test name says when the shell is missing here and only the script's generation was checked. */
function shellTest(shell: CompletionShell, what: string): string {
  return SHELLS[shell] === undefined ? `${what} (${shell} is not installed here: only the generated script is checked)` : what;
}

let temp: TempDir;
const scriptFiles = {} as Record<CompletionShell, string>;

beforeAll(async () => {
  temp = await makeTempDir('mcpctl-completion');
  for (const shell of COMPLETION_SHELLS) {
    scriptFiles[shell] = join(temp.path, `mcpctl.${shell}`);
    await writeFile(scriptFiles[shell], completionScript(program(), shell));
  }
});

afterAll(async () => {
  await temp?.cleanup();
});

describe('mcpctl completion', () => {
  it('prints the script for the named shell and refuses others', async () => {
    const stdout = new CapturedStream();
    const stderr = new CapturedStream();
    const io = { stdin: Readable.from([]), stdout, stderr, env: {} };
    expect(await runCli(['completion', 'bash'], io)).toBe(0);
    expect(stdout.text).toBe(`${completionScript(program(), 'bash').trimEnd()}\n`);
    expect(stderr.text).toBe('');
    const refused = new CapturedStream();
    expect(await runCli(['completion', 'powershell'], { ...io, stdout: new CapturedStream(), stderr: refused })).toBe(2);
    expect(refused.text).toBe("error: command-argument value 'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.\n");
  });

  it.each(COMPLETION_SHELLS)('the %s script names every command, resource kind and flag of the program', (shell) => {
    const root = program();
    const script = completionScript(root, shell);
    const kinds = resourceKinds(root);
    expect(kinds).toEqual(expect.arrayContaining(['llm', 'llms', 'agent', 'agents', 'pool', 'pools', 'thread', 'threads']));
    for (const word of [...root.commands.map((command) => command.name()), ...kinds]) expect(script).toContain(word);
    for (const flag of ['--output', '--thread', '--system-prompt-file', '--param', '--no-stream', '--max-tokens']) {
      expect(script).toContain(shell === 'fish' ? `-l ${flag.slice(2)} ` : flag);
    }
    expect(script).toContain('__complete');
  });
});

describe('the bash script', () => {
  const complete = async (words: string[]): Promise<string[]> => {
    const bash = SHELLS.bash as string;
    const assignment = words.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
    const run = await runShell(bash, [
      '--norc',
      '--noprofile',
      '-c',
      `source "$1" && COMP_WORDS=(${assignment}) && COMP_CWORD=${words.length - 1} && _mcpctl && printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      scriptFiles.bash,
    ]);
    expect(run.stderr).toBe('');
    return run.stdout.split('\n').filter((line) => line !== '');
  };

  it(shellTest('bash', 'loads without errors and registers for mcpctl'), async () => {
    expect(completionScript(program(), 'bash')).toContain('complete -F _mcpctl mcpctl');
    if (SHELLS.bash === undefined) return;
    const run = await runShell(SHELLS.bash, ['--norc', '--noprofile', '-c', 'source "$1" && complete -p mcpctl', 'bash', scriptFiles.bash]);
    expect(run).toEqual({ code: 0, stdout: 'complete -F _mcpctl mcpctl\n', stderr: '' });
  });

  it(shellTest('bash', 'completes commands, kinds, flags, choices and files'), async () => {
    if (SHELLS.bash === undefined) {
      expect(completionScript(program(), 'bash')).toContain("'mcpctl|get') __mcpctl_reply='mcpctl get'");
      return;
    }
    expect(await complete(['mcpctl', 'g'])).toEqual(['get']);
    expect(await complete(['mcpctl', 'ch'])).toEqual(['chat-llm', 'chat']);
    expect(await complete(['mcpctl', 'get', ''])).toEqual(resourceKinds(program()));
    expect(await complete(['mcpctl', 'describe', 'ag'])).toEqual(['agent', 'agents']);
    expect(await complete(['mcpctl', 'get', 'agents', '-o', ''])).toEqual(['table', 'wide', 'json', 'yaml']);
    expect(await complete(['mcpctl', 'get', 'llm', '--output', '=', 'y'])).toEqual(['yaml']);
    expect(await complete(['mcpctl', 'chat', 'reviewer', '--t'])).toEqual(['--thread', '--temperature']);
    expect(await complete(['mcpctl', 'chat', 'reviewer', '--message', 'hi', '--no'])).toEqual(['--no-stream']);
    expect(await complete(['mcpctl', 'create', 'agent', 'x', '--visibility', 'p'])).toEqual(['public', 'private']);
    expect(await complete(['mcpctl', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    // Free text is not completed as a path; a file is.
    expect(await complete(['mcpctl', 'chat', 'reviewer', '--message', ''])).toEqual([]);
    expect(await complete(['mcpctl', 'apply', '-f', join(temp.path, 'mcpctl.b')])).toEqual([scriptFiles.bash]);
    // A new name has nothing to complete, and no server is asked.
    expect(await complete(['mcpctl', 'create', 'agent', ''])).toEqual([]);
  });
});

describe('the zsh script', () => {
  // Outside a real completion widget, `compadd` and `_describe` are stood in for by functions printing what they were offered.
  const STAND_INS = [
    'compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift; print -rl -- "$@"; }',
    '_describe() { local name=${@[-1]}; local -a items; items=("${(@P)name}"); print -rl -- ${items%%:*}; }',
    '_files() { print -r -- FILES; }',
    'compset() { PREFIX=${PREFIX#*=}; }',
  ].join('\n');

  const complete = async (words: string[]): Promise<string[]> => {
    const zsh = SHELLS.zsh as string;
    const assignment = words.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
    const run = await runShell(
      zsh,
      ['-f', '-c', `autoload -Uz compinit && compinit -u -D && source "$1" && ${STAND_INS}\nwords=(${assignment}); CURRENT=${words.length}; PREFIX="\${words[-1]}"; _mcpctl`, 'zsh', scriptFiles.zsh],
      { HOME: temp.path },
    );
    expect(run.stderr).toBe('');
    return run.stdout.split('\n').filter((line) => line !== '');
  };

  it(shellTest('zsh', 'loads without errors and registers for mcpctl'), async () => {
    expect(completionScript(program(), 'zsh').startsWith('#compdef mcpctl\n')).toBe(true);
    if (SHELLS.zsh === undefined) return;
    const run = await runShell(
      SHELLS.zsh,
      ['-f', '-c', 'autoload -Uz compinit && compinit -u -D && source "$1" && print -r -- ${_comps[mcpctl]}', 'zsh', scriptFiles.zsh],
      { HOME: temp.path },
    );
    expect(run).toEqual({ code: 0, stdout: '_mcpctl\n', stderr: '' });
  });

  it(shellTest('zsh', 'offers commands, kinds, flags and choices'), async () => {
    if (SHELLS.zsh === undefined) {
      expect(completionScript(program(), 'zsh')).toContain("'mcpctl get|agents') REPLY='mcpctl get agent'");
      return;
    }
    expect(await complete(['mcpctl', ''])).toEqual(expect.arrayContaining(['get', 'chat', 'chat-llm', 'completion']));
    expect(await complete(['mcpctl', 'get', ''])).toEqual(resourceKinds(program()));
    expect(await complete(['mcpctl', 'get', 'llms', '-o', ''])).toEqual(['table', 'wide', 'json', 'yaml']);
    expect(await complete(['mcpctl', 'get', 'llm', '--output=j'])).toEqual(['table', 'wide', 'json', 'yaml']);
    expect(await complete(['mcpctl', 'chat', 'reviewer', '-'])).toEqual(expect.arrayContaining(['--thread', '--message', '--no-stream']));
    expect(await complete(['mcpctl', 'apply', '-f', ''])).toEqual(['FILES']);
  });
});

describe('the fish script', () => {
  const complete = async (line: string): Promise<string[]> => {
    const fish = SHELLS.fish as string;
    const run = await runShell(fish, ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', scriptFiles.fish, line], { HOME: temp.path });
    expect(run.stderr).toBe('');
    return run.stdout
      .split('\n')
      .filter((entry) => entry !== '')
      .map((entry) => entry.split('\t')[0] ?? '');
  };

  it(shellTest('fish', 'loads without errors'), async () => {
    expect(completionScript(program(), 'fish')).toContain('complete -c mcpctl -f\n');
    if (SHELLS.fish === undefined) return;
    const run = await runShell(SHELLS.fish, ['--no-config', '-c', 'source $argv[1]; and complete -c mcpctl | count', scriptFiles.fish], {
      HOME: temp.path,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(Number(run.stdout)).toBeGreaterThan(50);
  });

  it(shellTest('fish', 'completes commands, kinds, flags and choices'), async () => {
    if (SHELLS.fish === undefined) {
      expect(completionScript(program(), 'fish')).toContain("complete -c mcpctl -n '__mcpctl_at \\'mcpctl get\\' 0' -a 'agent'");
      return;
    }
    expect(await complete('mcpctl g')).toEqual(['get']);
    expect((await complete('mcpctl get ')).sort()).toEqual(resourceKinds(program()).sort());
    expect(await complete('mcpctl get llms -o ')).toEqual(['json', 'table', 'wide', 'yaml']);
    expect(await complete('mcpctl chat reviewer --t')).toEqual(['--temperature', '--thread']);
    expect(await complete('mcpctl completion ')).toEqual(['bash', 'fish', 'zsh']);
    expect(await complete(`mcpctl apply -f ${join(temp.path, 'mcpctl.f')}`)).toEqual([scriptFiles.fish]);
  });
});
