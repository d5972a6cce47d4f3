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
    if (row.kind !== 'public') continue;
    let current: string | null;
    try {
      current = realUrl(row, secrets);
    } catch {
      // Sealed under another key: the start's key check (checkSecretKey) names the row, and it stays as it is.
      continue;
    }
    if (current === null) continue;
    const stored = storedUrl(current, secrets);
    // realUrl opened the sealed URL already, so this one cannot fail.
    const sealedAsItIs = row.urlSealed === null ? stored.urlSealed === null : secrets.open(row.urlSealed) === current;
    if (stored.url === row.url && sealedAsItIs) continue;
    await llms.update(row.id, stored);
    rewritten += 1;
  }
  return rewritten;
}
