import type { Command, Option } from 'commander';

/**
 * Moves the check of every mandatory option of the tree from commander's parse into a `preAction`
 * hook. Commander checks mandatory options before unknown ones, so `--typ openai` would be told
 * `--type` is missing instead of being offered `--type`; in the hook, which runs after commander
 * has refused unknown options with its suggestion, a missing one gets commander's own wording.
 * Options stay declared mandatory where their command is built (`requiredOption`,
 * `makeOptionMandatory`); call this once the tree is complete.
 */
export function checkMandatoryOptionsLast(program: Command): void {
  const mandatory = new Map<Command, Option[]>();
  const visit = (command: Command) => {
    const options = command.options.filter((option) => option.mandatory);
    for (const option of options) option.mandatory = false;
    if (options.length > 0) mandatory.set(command, options);
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
  program.hook('preAction', (_hooked, command) => {
    const values = command.opts();
    for (const option of mandatory.get(command) ?? []) {
      if (values[option.attributeName()] === undefined) {
        command.error(`error: required option '${option.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
      }
    }
  });
}
