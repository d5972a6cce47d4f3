import { InvalidArgumentError, Option } from 'commander';
import { OUTPUT_FORMATS } from '../printer.js';

/** `-o table|wide|json|yaml`, shared by every command that prints resources. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table');
}

export function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('expected a whole number of at least 1');
  }
  return parsed;
}

export function parseTemperature(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 2) {
    throw new InvalidArgumentError('expected a number from 0 to 2');
  }
  return parsed;
}

/** For repeatable options (`--group a --group b`): each use adds to the list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--message`: sent as written, but a blank one would only ask the model about nothing. */
export function parseMessage(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('the message is empty; write one, or leave --message out to chat in turns');
  return value;
}

/** A name or id an option must carry: `--thread ""` (an unset shell variable) is said at once, not sent for mcpd to refuse. */
export function parseNonEmpty(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new InvalidArgumentError('expected a value, got an empty string');
  return trimmed;
}
