import type { LlmRepository } from '../repositories/llm-repository.js';
import type { SecretBox } from '../security/secret-box.js';
import { storedUrl } from '../security/stored-url.js';

/**
 * Seals the URLs rows hold in clear from before URLs were sealed: their credentials leave the
 * database's plain text at the first start that can. Answers how many rows it sealed.
 */
export async function sealStoredUrls(llms: LlmRepository, secrets: SecretBox): Promise<number> {
  let sealed = 0;
  for (const row of await llms.list()) {
    if (row.kind !== 'public' || row.url === null || row.urlSealed !== null) continue;
    const stored = storedUrl(row.url, secrets);
    if (stored.urlSealed === null) continue;
    await llms.update(row.id, stored);
    sealed += 1;
  }
  return sealed;
}
