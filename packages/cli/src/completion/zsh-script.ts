import { buildCompletionTable, pathKey, valueWords, type CompletionRow, type Described } from './completion-table.js';
import type { CompletionCommand } from './completion-tree.js';
import { functionStem, singleQuote } from './shell-quote.js';

/**
 * The zsh completion script: the same walk as the bash one over lookup functions generated
 * from the command tree, with descriptions for commands and flags. Works sourced (after
 * `compinit`) and as an autoloaded `_mcpctl` file in `$fpath`.
 */
export function zshScript(root: CompletionCommand): string {
  const program = pathKey(root.path);
  const stem = functionStem(program);
  const table = buildCompletionTable(root);
  const described = (rows: Array<CompletionRow<Described[]>>): string =>
    rows
      .map((row) => {
        const entries = row.value.map((entry) => singleQuote(`${entry.word.replace(/:/g, '\\:')}:${entry.description}`));
        return `    ${singleQuote(row.key)}) reply=(${entries.join(' ')}) ;;`;
      })
      .join('\n');
  const specs = (rows: Array<CompletionRow<readonly string[]>>): string =>
    rows.map((row) => `    ${singleQuote(row.key)}) reply=(${row.value.map(singleQuote).join(' ')}) ;;`).join('\n');
  return `#compdef ${program}
# zsh completion for ${program}. Load it with:  source <(${program} completion zsh)  (after compinit)

# The path of the subcommand word $2 selects under path $1, in REPLY.
__${stem}_child() {
  case "$1|$2" in
${table.children.map((row) => `    ${singleQuote(row.key)}) REPLY=${singleQuote(row.value)} ;;`).join('\n')}
    *) return 1 ;;
  esac
}

# The subcommands of path $1 as word:description, in reply.
__${stem}_commands() {
  case "$1" in
${described(table.commands)}
    *) reply=() ;;
  esac
}

# The flags of path $1 as flag:description, in reply.
__${stem}_flags() {
  case "$1" in
${described(table.flags)}
    *) reply=() ;;
  esac
}

# How the value of flag $2 of path $1 completes, in reply; fails for a flag that takes no value.
__${stem}_option() {
  case "$1|$2" in
${specs(table.optionValues.map((row) => ({ key: row.key, value: valueWords(row.value) })))}
    *) return 1 ;;
  esac
}

# How positional argument $2 (from 0) of path $1 completes, in reply; fails when nothing is offered.
__${stem}_argument() {
  case "$1|$2" in
${[specs(table.argumentValues.map((row) => ({ key: row.key, value: valueWords(row.value) }))), ...table.variadicFrom.map((row) => `    ${singleQuote(`${row.key}|`)}*) reply=(${valueWords(row.value.value).map(singleQuote).join(' ')}) ;;`)].join('\n')}
    *) return 1 ;;
  esac
  [[ "$reply[1]" != none ]]
}

# Offers a value completion: choices WORDS…, names KINDS…, files.
__${stem}_value() {
  local type="$1" kind
  local -a names
  shift
  case "$type" in
    choices) compadd -- "$@" ;;
    names)
      for kind in "$@"; do
        names+=( \${(f)"$("\${words[1]}" __complete "$kind" "$PREFIX" 2>/dev/null)"} )
      done
      compadd -- "\${names[@]}"
      ;;
    files) _files ;;
  esac
}

_${stem}() {
  local cmd=${singleQuote(program)} option='' word REPLY
  local -i i index=0
  local -a reply
  for (( i = 2; i < CURRENT; i++ )); do
    word="\${words[i]}"
    if [[ -n "$option" ]]; then
      option=''
      continue
    fi
    case "$word" in
      --*=*) ;;
      -*) __${stem}_option "$cmd" "$word" && option="$word" ;;
      *)
        if (( index == 0 )) && __${stem}_child "$cmd" "$word"; then
          cmd="$REPLY"
        else
          (( index++ ))
        fi
        ;;
    esac
  done
  if [[ -n "$option" ]]; then
    __${stem}_option "$cmd" "$option"
    __${stem}_value "\${reply[@]}"
    return
  fi
  if [[ "$PREFIX" == --*=* ]] && __${stem}_option "$cmd" "\${PREFIX%%=*}"; then
    compset -P '*='
    __${stem}_value "\${reply[@]}"
    return
  fi
  if [[ "$PREFIX" == -* ]]; then
    __${stem}_flags "$cmd"
    _describe -t options option reply
    return
  fi
  if (( index == 0 )); then
    __${stem}_commands "$cmd"
    if (( \${#reply} > 0 )); then
      _describe -t commands command reply
      return
    fi
  fi
  __${stem}_argument "$cmd" "$index" && __${stem}_value "\${reply[@]}"
}

if [[ "\${funcstack[1]}" == _${stem} ]]; then
  _${stem} "$@"
else
  compdef _${stem} ${program}
fi
`;
}
