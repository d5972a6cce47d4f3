import type { AuditRecordView } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { runInProcess as run, startStandInMcpd, type StandInMcpd } from '../helpers/stand-in-mcpd.js';

let mcpd: StandInMcpd | undefined;

const record = (userName: string, userDeleted = false): AuditRecordView => ({
  id: '7',
  at: '2026-12-05T10:00:00.000Z',
  userId: `usr_${userName}`,
  userName,
  userDeleted,
  llmName: 'qwen3',
  servedBy: 'qwen3',
  endpoint: 'infer',
  streaming: false,
  status: 200,
  latencyMs: 12,
  firstTokenMs: null,
  queueMs: null,
  promptTokens: 3,
  completionTokens: 5,
  error: null,
  agentName: null,
  requestId: 'req_abc',
});

/** `GET /api/v1/audit` answered with `records`, as mcpd does. */
async function mcpdAnswering(records: AuditRecordView[]): Promise<Record<string, string>> {
  mcpd = await startStandInMcpd((_request, response) => response.end(JSON.stringify(records)));
  return mcpd.env;
}

afterEach(async () => {
  await mcpd?.close();
  mcpd = undefined;
});

describe('get audit --user', () => {
  it("says the records are the caller's own when mcpd did not filter by the user asked for", async () => {
    const env = await mcpdAnswering([record('bob')]);
    const result = await run(['get', 'audit', '--user', 'admin', '-o', 'json'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveLength(1);
    expect(result.stderr).toBe('note: --user admin needs the view:audit permission, so these are your own calls\n');
  });

  it("says nothing when the records are the user's asked for", async () => {
    const env = await mcpdAnswering([record('admin')]);
    expect((await run(['get', 'audit', '--user', 'admin', '-o', 'json'], env)).stderr).toBe('');
  });

  it("says nothing of a deleted user's records, which carry the name alone", async () => {
    const env = await mcpdAnswering([record('alice', true)]);
    expect((await run(['get', 'audit', '--user', 'alice (deleted)', '-o', 'json'], env)).stderr).toBe('');
  });

  it('names a deleted user as the filter takes it back, apart from a user of the name now', async () => {
    const env = await mcpdAnswering([record('alice', true), record('alice')]);
    const rows = (await run(['get', 'audit'], env)).stdout.trim().split('\n').slice(1);
    expect(rows.map((row) => row.split(/\s{2,}/)[1])).toEqual(['alice (deleted)', 'alice']);
  });
});

describe('get audit --request-id', () => {
  it('asks mcpd for the record of that x-request-id, and shows the id in the wide table', async () => {
    let asked = '';
    mcpd = await startStandInMcpd((request, response) => {
      asked = request.url ?? '';
      response.end(JSON.stringify([record('admin')]));
    });
    const result = await run(['get', 'audit', '--request-id', 'req_abc', '-o', 'wide'], mcpd.env);
    expect(result.code).toBe(0);
    expect(new URL(asked, 'http://x').searchParams.get('requestId')).toBe('req_abc');
    expect(result.stdout.split('\n')[0]).toContain('REQUEST-ID');
    expect(result.stdout).toContain('req_abc');
  });
});
