import { parseArgs } from 'node:util';
import { FaultUsageError } from './errors.js';

export const FAULTS_USAGE = `usage: npm run faults -- [--only 5,7,...] [--output FILE]

Runs one scripted fault scenario per item 5–13 of issue 10, and item 14 (issue 13: a silent
provider socket), each against a real mcpd, a real
mcplocal and a fake model server, and prints each figure beside its target (PASS or MISS).
Exits 1 when any target is missed.

  --only ITEMS   run only these items (comma-separated, 5 to 14)
  --output FILE  also write the report as JSON to FILE`;

export interface FaultOptions {
  /** Items to run; all when empty. */
  only: number[];
  outputFile: string | undefined;
  help: boolean;
}

/** Reads the command line; throws a FaultUsageError naming the bad flag. */
export function parseFaultArguments(argv: string[], known: readonly number[]): FaultOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { only: { type: 'string' }, output: { type: 'string' }, help: { type: 'boolean' } },
    }));
  } catch (error) {
    throw new FaultUsageError(`${(error as Error).message}\n${FAULTS_USAGE}`, { cause: error });
  }
  const only = (values.only ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const number = Number(item);
      if (!known.includes(number)) throw new FaultUsageError(`--only: no scenario for item "${item}"; items are ${known.join(', ')}`);
      return number;
    });
  return { only, outputFile: values.output, help: values.help ?? false };
}
