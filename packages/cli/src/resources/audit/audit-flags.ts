import { auditQuerySchema } from '@mcpctl/protocol';
import { UsageError } from '../../errors.js';
import type { AuditOptions } from './audit-api.js';

/**
 * Checks `get audit`'s flags with the rules of `GET /api/v1/audit` (`auditQuerySchema`, whose
 * messages say what each takes) before any request: a bad value is a usage error naming the
 * flag, e.g. `--limit 5000: limit is a whole number from 1 to 1000`. Returns the page size.
 */
export function checkAuditFlags(options: AuditOptions): { limit: number } {
  const query = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const checked = auditQuerySchema.safeParse(query);
  if (checked.success) return { limit: checked.data.limit };
  const problems = new Map<string, string>();
  for (const issue of checked.error.issues) {
    const flag = String(issue.path[0]);
    if (!problems.has(flag)) problems.set(flag, `--${flag} ${String(query[flag])}: ${issue.message}`);
  }
  throw new UsageError([...problems.values()].join('; '));
}
