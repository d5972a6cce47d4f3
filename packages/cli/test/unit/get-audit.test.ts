import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { AuditRecordView } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/run-cli.js';
import { CapturedStream } from '../helpers/captured-stream.js';

let server: Server | undefined;

const record = (userName: string): AuditRecordView => ({
  id: '7',
  at: '2026-12-05T10:00:00.000Z',
  userId: `usr_${userName}`,
  userName,
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
});

/** A real HTTP server answering `GET /api/v1/audit` with `records`, as mcpd does. */
async function mcpdAnswering(records: AuditRecordView[]): Promise<Record<string, string>> {
  server = createServer((request, response) => {
    request.resume();
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(records));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { MCPCTL_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, MCPCTL_TOKEN: 't', MCPCTL_HOME: '/nonexistent/mcpctl' };
}

async function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  const code = await runCli(args, { stdin: Readable.from([]), stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
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
});
