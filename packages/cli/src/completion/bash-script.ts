import { buildCompletionTable, pathKey, valueWords, type CompletionRow } from './completion-table.js';
import type { CompletionCommand } from './completion-tree.js';
import { functionStem, singleQuote } from './shell-quote.js';

/**
 * The bash completion script: lookup functions generated from the command tree, and one
 * completion function that walks the words before the cursor to find the command and the
 * argument position. Names of existing resources come from `PROGRAM __complete KIND PREFIX`.
 */
export function bashScript(root: CompletionCommand): string {
  const program = pathKey(root.path);
  const stem = functionStem(program);
  const table = buildCompletionTable(root);
  const words = (rows: Array<CompletionRow<Array<{ word: string }>>>): Array<CompletionRow<string>> =>
    rows.map((row) => ({ key: row.key, value: row.value.map((entry) => entry.word).join(' ') }));
  const spec = <T>(rows: Array<CompletionRow<T>>, toWords: (value: T) => string[]): Array<CompletionRow<string>> =>
    rows.map((row) => ({ key: row.key, value: toWords(row.value).join(' ') }));
  return `# bash completion for ${program}. Load it with:  source <(${program} completion bash)

# The path of the subcommand word $2 selects under path $1.
__${stem}_child() {
  case "$1|$2" in
${caseArms(table.children)}
    *) return 1 ;;
  esac
}

# The subcommand words of path $1.
__${stem}_commands() {
  case "$1" in
${caseArms(words(table.commands))}
    *) __${stem}_reply='' ;;
  esac
}

# The flags of path $1.
__${stem}_flags() {
  case "$1" in
${caseArms(words(table.flags))}
    *) __${stem}_reply='' ;;
  esac
}

# How the value of flag $2 of path $1 completes; fails for a flag that takes no value.
__${stem}_option() {
  case "$1|$2" in
${caseArms(spec(table.optionValues, valueWords))}
    *) return 1 ;;
  esac
}

# How positional argument $2 (from 0) of path $1 completes; fails when nothing is offered.
__${stem}_argument() {
  case "$1|$2" in
${[caseArms(spec(table.argumentValues, valueWords)), ...table.variadicFrom.map((row) => `    ${singleQuote(`${row.key}|`)}*) __${stem}_reply=${singleQuote(valueWords(row.value.value).join(' '))} ;;`)].join('\n')}
    *) return 1 ;;
  esac
  [ "$__${stem}_reply" != none ]
}

# Fills COMPREPLY for the word $1 from a value completion: choices WORDS…, names KINDS…, files.
__${stem}_value() {
  local cur="$1" type="$2" kind IFS=$'\\n'
  shift 2
  case "$type" in
    choices) COMPREPLY=( $(compgen -W "$*" -- "$cur") ) ;;
    names) COMPREPLY=( $(for kind in "$@"; do "\${COMP_WORDS[0]}" __complete "$kind" "$cur" 2>/dev/null; done) ) ;;
    files) compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -f -- "$cur") ) ;;
  esac
}

_${stem}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd=${singleQuote(program)} option='' word i index=0 __${stem}_reply=''
  COMPREPLY=()
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word="\${COMP_WORDS[i]}"
    if [ -n "$option" ]; then
      # \`--output=json\` arrives as \`--output\`, \`=\`, \`json\`: the value follows the \`=\`.
      [ "$word" = '=' ] || option=''
      continue
    fi
    case "$word" in
      -*) __${stem}_option "$cmd" "$word" && option="$word" ;;
      *)
        if [ "$index" -eq 0 ] && __${stem}_child "$cmd" "$word"; then
          cmd="$__${stem}_reply"
        else
          index=$(( index + 1 ))
        fi
        ;;
    esac
  done
  [ "$cur" = '=' ] && cur=''
  if [ -n "$option" ]; then
    __${stem}_option "$cmd" "$option"
    __${stem}_value "$cur" $__${stem}_reply
    return 0
  fi
  case "$cur" in
    -*)
      __${stem}_flags "$cmd"
      COMPREPLY=( $(compgen -W "$__${stem}_reply" -- "$cur") )
      return 0
      ;;
  esac
  if [ "$index" -eq 0 ]; then
    __${stem}_commands "$cmd"
    if [ -n "$__${stem}_reply" ]; then
      COMPREPLY=( $(compgen -W "$__${stem}_reply" -- "$cur") )
      return 0
    fi
  fi
  if __${stem}_argument "$cmd" "$index"; then
    __${stem}_value "$cur" $__${stem}_reply
  fi
  return 0
}

complete -F _${stem} ${program}
`;

  function caseArms(rows: Array<CompletionRow<string>>): string {
    // Rows with the same value share one arm: `'get|llm'|'get|llms')`.
    const arms = new Map<string, string[]>();
    for (const row of rows) arms.set(row.value, [...(arms.get(row.value) ?? []), row.key]);
    return [...arms]
      .map(([value, keys]) => `    ${keys.map(singleQuote).join('|')}) __${stem}_reply=${singleQuote(value)} ;;`)
      .join('\n');
  }
}
