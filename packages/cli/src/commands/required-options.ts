import type { Command } from 'commander';

/**
 * Checks options a command needs, in its action rather than through commander's mandatory
 * options. Commander checks mandatory options before unknown ones, so `--typ openai` was told
 * `--type` is missing instead of being offered `--type`; here the unknown option is refused
 * first, with its suggestion, and a missing one then gets commander's own wording.
 */
export function checkRequiredOptions(command: Command, names: readonly string[]): void {
  const values = command.opts();
  for (const name of names) {
    if (values[name] !== undefined) continue;
    const option = command.options.find((candidate) => candidate.attributeName() === name);
    if (option === undefined) throw new Error(`command ${command.name()} has no option ${name}`);
    command.error(`error: required option '${option.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
  }
}
