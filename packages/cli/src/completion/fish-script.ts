import { buildCompletionTable, pathKey } from './completion-table.js';
import { flattenTree, type CompletionCommand, type CompletionOption, type ValueCompletion } from './completion-tree.js';
import { fishQuote, functionStem } from './shell-quote.js';

/**
 * The fish completion script: one `complete` line per subcommand, flag and completable
 * argument, each guarded by a condition that walks the command line to the current
 * command path and argument position.
 */
export function fishScript(root: CompletionCommand): string {
  const program = pathKey(root.path);
  const stem = functionStem(program);
  const table = buildCompletionTable(root);
  const at = (command: CompletionCommand, position?: string): string =>
    fishQuote(`__${stem}_at ${fishQuote(pathKey(command.path))}${position === undefined ? '' : ` ${position}`}`);
  const lines: string[] = [];
  for (const command of flattenTree(root)) {
    for (const subcommand of command.subcommands) {
      for (const word of subcommand.words) {
        lines.push(`complete -c ${program} -n ${at(command, '0')} -a ${fishQuote(word)} -d ${fishQuote(subcommand.description)}`);
      }
    }
    for (const option of command.options) lines.push(`complete -c ${program} -n ${at(command)} ${optionSpec(option)}`);
    const last = command.arguments.length - 1;
    command.arguments.forEach((value, index) => {
      const values = valueSpec(value);
      if (values === undefined) return;
      const position = command.variadic && index === last ? `${index}+` : String(index);
      lines.push(`complete -c ${program} -n ${at(command, position)} ${values}`);
    });
  }

  function valueSpec(value: ValueCompletion): string | undefined {
    switch (value.type) {
      case 'choices':
        return `-x -a ${fishQuote(value.choices.join(' '))}`;
      case 'names':
        return `-x -a ${fishQuote(`(__${stem}_names ${value.kinds.join(' ')})`)}`;
      case 'files':
        return '-r -F';
      case 'none':
        return undefined;
    }
  }

  function optionSpec(option: CompletionOption): string {
    const flags = option.flags.map((flag) => (flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`));
    const values = option.value === undefined ? undefined : (valueSpec(option.value) ?? '-x');
    return [...flags, ...(values === undefined ? [] : [values]), `-d ${fishQuote(option.description)}`].join(' ');
  }

  return `# fish completion for ${program}. Load it with:  ${program} completion fish | source

# The path of the subcommand word $argv[2] selects under path $argv[1].
function __${stem}_child --argument-names cmd word
    switch "$cmd|$word"
${table.children.map((row) => `        case ${fishQuote(row.key)}\n            echo ${fishQuote(row.value)}`).join('\n')}
        case '*'
            return 1
    end
end

# True when flag $argv[2] of path $argv[1] takes a value.
function __${stem}_takes_value --argument-names cmd flag
    switch "$cmd|$flag"
        case ${table.optionValues.map((row) => fishQuote(row.key)).join(' ') || "''"}
            return 0
    end
    return 1
end

# The command path and the number of positional arguments before the cursor, one per line.
function __${stem}_state
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmd ${fishQuote(program)}
    set -l index 0
    set -l skip 0
    for word in $tokens
        if test $skip = 1
            set skip 0
        else if string match -q -- '--*=*' $word
            continue
        else if string match -q -- '-*' $word
            __${stem}_takes_value $cmd $word; and set skip 1
        else
            set -l child (__${stem}_child $cmd $word)
            if test $index = 0 -a -n "$child"
                set cmd $child
            else
                set index (math $index + 1)
            end
        end
    end
    echo $cmd
    echo $index
end

# True when the command before the cursor is path $argv[1] and, when $argv[2] is given, the
# word under the cursor is positional argument $argv[2] (\`N+\`: N or later).
function __${stem}_at
    set -l state (__${stem}_state)
    test "$state[1]" = "$argv[1]"; or return 1
    set -q argv[2]; or return 0
    if string match -q -- '*+' $argv[2]
        test $state[2] -ge (string trim -r -c + -- $argv[2])
    else
        test $state[2] = $argv[2]
    end
end

# Names of existing resources of the kinds $argv, asked from mcpd.
function __${stem}_names
    set -l program (commandline -opc)[1]
    set -l prefix (commandline -ct)
    # A flag being typed is no name; a program fish cannot run has none to give.
    string match -q -- '-*' "$prefix"; and return
    type -q $program; or return
    for kind in $argv
        $program __complete $kind "$prefix" 2>/dev/null
    end
end

complete -c ${program} -f
${lines.join('\n')}
`;
}
