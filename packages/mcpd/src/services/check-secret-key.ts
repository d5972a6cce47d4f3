import type { LlmRepository } from '../repositories/llm-repository.js';
import { withoutMasks } from '../security/mask-url.js';
import type { SecretBox } from '../security/secret-box.js';

/** What a start found of the secrets stored: the LLMs whose secrets this key cannot open. */
export interface SecretKeyCheck {
  stored: number;
  unreadable: string[];
}

/**
 * Tries the key on every secret stored (API keys, URL credentials). A key that opens none of them
 * is not the key they were sealed with (`MCPD_SECRET_KEY` changed, or a replica given another):
 * the start is refused, since every call to those LLMs would fail with a 500 and, behind a
 * balancer, one call in N. A key that opens some is the right one; the others are named.
 * With `forget` (the key they were sealed with is lost for good) the secrets it cannot open are
 * cleared instead, and named: the only way back for the embedded database, which no SQL client opens.
 */
export async function checkSecretKey(llms: LlmRepository, secrets: SecretBox, keySource = 'MCPD_SECRET_KEY', forget = false): Promise<SecretKeyCheck> {
  let stored = 0;
  let opened = 0;
  const unreadable = new Set<string>();
  for (const row of await llms.list()) {
    const opens = (sealed: string | null) => {
      if (sealed === null) return true;
      stored += 1;
      try {
        secrets.open(sealed);
        opened += 1;
        return true;
      } catch {
        unreadable.add(row.name);
        return false;
      }
    };
    const keyOpens = opens(row.apiKeyEncrypted);
    const urlOpens = opens(row.urlSealed);
    if (forget && !(keyOpens && urlOpens)) {
      // The URL's view keeps `***` where its credentials were: dropped, so no call sends one as a credential.
      await llms.update(row.id, { ...(keyOpens ? {} : { apiKeyEncrypted: null }), ...(urlOpens ? {} : { urlSealed: null, url: row.url === null ? null : withoutMasks(row.url) }) });
    }
  }
  if (stored > 0 && opened === 0 && !forget) {
    throw new Error(
      `${keySource} opens none of the ${stored} secret${stored > 1 ? 's' : ''} stored in the database (API keys, URL credentials): it is not the key they were sealed with; start with that key (every replica takes the same one). If it is lost for good, start once with --forget-unreadable-secrets: the secrets it cannot open are cleared, and each of those LLMs is given its key again (docs/deploy.md)`,
    );
  }
  return { stored, unreadable: [...unreadable] };
}
