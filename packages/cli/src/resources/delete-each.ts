import type { ApiClient } from '../api-client.js';
import { ApiError, formatCliError, ItemError, PartialFailureError } from '../errors.js';
import type { Printer } from '../printer.js';

/** One resource to delete. */
export interface DeleteTarget {
  /** `llm/NAME`, as printed before `deleted`. */
  label: string;
  /** Where its name came from when not from the command line: `x.yaml: document 2`. */
  where?: string;
  /** Deletes it; answers the notes to print once it is gone, and throws a CliError when it is not. */
  remove(client: ApiClient): Promise<readonly string[]>;
}

/**
 * Deletes each target in turn, printing `KIND/NAME deleted` and its notes, as kubectl does. A
 * target mcpd refuses (not found, not allowed) is reported on a line of its own, naming it, and
 * the others still go; the run then ends with how many were not deleted (`what`: `llms`,
 * `documents in x.yaml`). Anything not about one target (mcpd gone, the token refused, too many
 * requests) ends the run. A single name from the command line fails as itself.
 */
export async function deleteEach(client: ApiClient, printer: Printer, targets: readonly DeleteTarget[], what: string): Promise<void> {
  const byLabel = new Map<string, DeleteTarget>();
  for (const target of targets) if (!byLabel.has(target.label)) byLabel.set(target.label, target);
  const unique = [...byLabel.values()];
  const [only] = unique;
  if (only !== undefined && unique.length === 1 && only.where === undefined) {
    printDeleted(printer, only, await only.remove(client));
    return;
  }
  let failed = 0;
  for (const target of unique) {
    let notes: readonly string[];
    try {
      notes = await target.remove(client);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401 || error.status === 429) throw error;
      printer.error(formatCliError(new ItemError(target.where === undefined ? target.label : `${target.where} (${target.label})`, error)));
      failed += 1;
      continue;
    }
    printDeleted(printer, target, notes);
  }
  if (failed > 0) throw new PartialFailureError(`${failed} of ${unique.length} ${what} not deleted`);
}

function printDeleted(printer: Printer, target: DeleteTarget, notes: readonly string[]): void {
  printer.line(`${target.label} deleted`);
  for (const note of notes) printer.notice(note);
}

/**
 * A resource one DELETE of `path` removes, with nothing to say after; `explain` turns mcpd's
 * refusal into what the CLI says of it (`agent not found: NAME`, with the command that lists them).
 */
export function deletionAt(label: string, path: string, explain: (error: unknown, client: ApiClient) => unknown): DeleteTarget {
  return {
    label,
    remove: async (client) => {
      try {
        await client.request('DELETE', path);
      } catch (error) {
        throw await explain(error, client);
      }
      return [];
    },
  };
}
