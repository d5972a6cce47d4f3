import { usageReportSchema, type UsageDimension, type UsageReport } from '@mcpctl/protocol';
import type { ApiClient } from '../../api-client.js';

export interface UsageOptions {
  by: UsageDimension;
  since: string;
  until?: string | undefined;
}

export function getUsage(client: ApiClient, options: UsageOptions): Promise<UsageReport> {
  const query = new URLSearchParams({ by: options.by, since: options.since });
  if (options.until !== undefined) query.set('until', options.until);
  return client.get(`/api/v1/usage?${query.toString()}`, usageReportSchema);
}
