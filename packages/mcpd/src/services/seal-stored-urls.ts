import type { LlmRepository } from '../repositories/llm-repository.js';
import type { SecretBox } from '../security/secret-box.js';
import { realUrl, storedUrl } from '../security/stored-url.js';

/**
 * Seals the URLs rows hold in clear: from before URLs were sealed, or written since by an older
 * mcpd (a replica not yet upgraded, a rollback), whose clear URL beside a stale sealed one is the
 * current one. Their credentials leave the database's plain text at the first start that can.
 * Answers how many rows it rewrote.
 */
export async function sealStoredUrls(llms: LlmRepository, secrets: SecretBox): Promise<number> {
  let rewritten = 0;
  for (const row of await llms.list()) {
    const current = row.kind === 'public' ? realUrl(row, secrets) : null;
    if (current === null) continue;
    const stored = storedUrl(current, secrets);
    const sealedAsItIs = row.urlSealed === null ? stored.urlSealed === null : secrets.open(row.urlSealed) === current;
    if (stored.url === row.url && sealedAsItIs) continue;
    await llms.update(row.id, stored);
    rewritten += 1;
  }
  return rewritten;
}
