import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, openEmbeddedClient } from '../src/index.js';

const PIN_MIGRATION = '0010_agent-llm-pin';

/** The migrations folder as it was before `tag`: its journal cut there. */
async function folderBefore(tag: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'mcpctl-migrations-'));
  await cp(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { entries: Array<{ tag: string }> };
  const at = journal.entries.findIndex((entry) => entry.tag === tag);
  journal.entries = journal.entries.slice(0, at);
  await writeFile(journalFile, JSON.stringify(journal));
  return folder;
}

describe('the agents.llm_pin migration', () => {
  let folder: string | undefined;
  afterEach(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('pins agents stored before it to what their name answers to: an LLM, a pool, or nothing', async () => {
    folder = await folderBefore(PIN_MIGRATION);
    const client = new PGlite();
    await migrate(drizzle(client), { migrationsFolder: folder });
    await client.exec(`
      insert into users (id, name, role) values ('usr_a', 'alice', 'member');
      insert into llms (id, name, kind, type, model, url, visibility, owner_id, status, pool_name)
        values ('llm_1', 'solo', 'public', 'openai', 'm', 'http://127.0.0.1:9/v1', 'public', 'usr_a', 'active', null),
               ('llm_2', 'member-1', 'public', 'openai', 'm', 'http://127.0.0.1:9/v1', 'public', 'usr_a', 'active', 'team');
      insert into agents (id, name, kind, llm, visibility, owner_id)
        values ('agt_1', 'on-llm', 'public', 'solo', 'public', 'usr_a'),
               ('agt_2', 'on-pool', 'public', 'team', 'public', 'usr_a'),
               ('agt_3', 'on-nothing', 'public', 'deleted-long-ago', 'public', 'usr_a');
    `);
    const handle = await openEmbeddedClient(client);
    try {
      const pins = await client.query<{ name: string; llm_pin: unknown }>('select name, llm_pin from agents order by name');
      expect(pins.rows).toEqual([
        { name: 'on-llm', llm_pin: { kind: 'llm', id: 'llm_1', ownerId: 'usr_a' } },
        { name: 'on-nothing', llm_pin: null },
        { name: 'on-pool', llm_pin: { kind: 'pool' } },
      ]);
    } finally {
      await handle.close();
    }
  });
});
