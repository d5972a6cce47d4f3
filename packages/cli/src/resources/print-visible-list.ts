import type { ApiClient } from '../api-client.js';
import type { OutputFormat, Printer } from '../printer.js';
import { callerStatus, holdsAny } from './caller-grants.js';
import { printResourceList, type ResourcePresentation } from './resource-presentation.js';

/**
 * A list of what the caller may see by `permission` (`view:llms`, `view:agents`). An empty one
 * from a caller who holds that permission in no form says why: it sees only what it owns, which
 * "No LLMs found." alone does not tell. mcpd is asked for the caller's grants only then.
 */
export async function printVisibleList<T>(
  printer: Printer,
  client: ApiClient,
  format: OutputFormat,
  presentation: ResourcePresentation<T>,
  views: T[],
  permission: string,
): Promise<void> {
  printResourceList(printer, format, presentation, views);
  if (views.length > 0) return;
  // The list is the answer; a status mcpd did not give only leaves the note out.
  const caller = await callerStatus(client).catch(() => undefined);
  if (caller === undefined || holdsAny(caller, permission) !== false) return;
  printer.notice(`note: you hold no ${permission} grant, so only what you own is listed; mcpctl status shows your grants, and an admin can bind you a role`);
}
