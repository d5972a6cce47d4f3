import type { StatusView } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { runInProcess as run, startStandInMcpd, type StandInMcpd } from '../helpers/stand-in-mcpd.js';

let mcpd: StandInMcpd | undefined;

/** mcpd answering every list empty, and `GET /api/v1/status` for a user of these grants (undefined: an mcpd that lists none). */
async function mcpdFor(grants: string[] | undefined, lists: Record<string, unknown[]> = {}): Promise<{ env: Record<string, string>; asked: string[] }> {
  const asked: string[] = [];
  mcpd = await startStandInMcpd((request, response) => {
    const path = request.url ?? '';
    asked.push(path);
    if (path === '/api/v1/status') {
      const status: StatusView = {
        user: { id: 'usr_carl', name: 'carl', admin: false, role: null, ...(grants === undefined ? {} : { grants }) },
        server: { version: '1.0.0', database: 'embedded', uptimeSeconds: 1 },
      };
      response.end(JSON.stringify(status));
      return;
    }
    response.end(JSON.stringify(lists[path] ?? []));
  });
  return { env: mcpd.env, asked };
}

afterEach(async () => {
  await mcpd?.close();
  mcpd = undefined;
});

describe('get llms, agents and pools for a caller who may see none', () => {
  it('says an empty list shows only what the caller owns when it holds no view grant', async () => {
    const { env } = await mcpdFor([]);
    const note = 'note: you hold no view:llms grant, so only what you own is listed; mcpctl status shows your grants, and an admin can bind you a role\n';
    expect(await run(['get', 'llms'], env)).toEqual({ code: 0, stdout: '', stderr: `No LLMs found.\n${note}` });
    expect((await run(['get', 'pools'], env)).stderr).toBe(`No pools found.\n${note}`);
    expect((await run(['get', 'agents', '-o', 'json'], env)).stderr).toBe(note.replaceAll('view:llms', 'view:agents'));
  });

  it('says nothing more with a view grant in any form or from an mcpd that lists no grants, and asks nothing for other kinds', async () => {
    for (const grants of [['view:llms:virtual'], ['view:llms on qwen'], ['*'], ['* on qwen'], undefined]) {
      const { env } = await mcpdFor(grants);
      expect((await run(['get', 'llms'], env)).stderr).toBe('No LLMs found.\n');
      await mcpd?.close();
    }
    const { env, asked } = await mcpdFor([], { '/api/v1/threads': [] });
    await run(['get', 'users'], env);
    expect(asked).not.toContain('/api/v1/status');
  });
});
