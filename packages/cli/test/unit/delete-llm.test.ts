import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { LlmView } from '@mcpctl/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/run-cli.js';
import { CapturedStream } from '../helpers/captured-stream.js';
import { llmView } from '../helpers/llm-view.js';

let server: Server | undefined;

/** A real HTTP server answering `GET` and `DELETE /api/v1/llms/NAME` for one LLM as mcpd does; `deleted` lists the names it removed. */
async function mcpdHolding(view: LlmView): Promise<{ env: Record<string, string>; deleted: string[] }> {
  const deleted: string[] = [];
  let present = true;
  server = createServer((request, response) => {
    request.resume();
    const found = present && request.url === `/api/v1/llms/${view.name}`;
    response.setHeader('content-type', 'application/json');
    if (!found) {
      response.writeHead(404).end(JSON.stringify({ error: `LLM not found: ${request.url ?? ''}` }));
    } else if (request.method === 'DELETE') {
      present = false;
      deleted.push(view.name);
      response.writeHead(204).end();
    } else {
      response.end(JSON.stringify(view));
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { env: { MCPCTL_URL: url, MCPCTL_TOKEN: 't', MCPCTL_HOME: '/nonexistent/mcpctl' }, deleted };
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

describe('delete llm', () => {
  it('says that an LLM an mcplocal publishes comes back when it registers again, connected now or not, and how to stop publishing it', async () => {
    for (const connected of [true, false]) {
      const published = llmView({ name: 'qwen-desk', kind: 'virtual', url: null, providerSession: { ref: 'ps-1', connected, transport: connected ? 'websocket' : null } });
      const mcpd = await mcpdHolding(published);
      expect(await run(['delete', 'llms', 'qwen-desk'], mcpd.env)).toEqual({
        code: 0,
        stdout: 'llm/qwen-desk deleted\n',
        stderr:
          'note: qwen-desk is published by an mcplocal: it comes back when that mcplocal registers again (when it restarts or reconnects); to stop publishing it, set "publish": false for it in that mcplocal\'s config.json\n',
      });
      expect(mcpd.deleted).toEqual(['qwen-desk']);
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
  });

  it('deletes a public LLM without a note', async () => {
    const mcpd = await mcpdHolding(llmView({ name: 'gpt' }));
    expect(await run(['delete', 'llm', 'gpt'], mcpd.env)).toEqual({ code: 0, stdout: 'llm/gpt deleted\n', stderr: '' });
    expect(mcpd.deleted).toEqual(['gpt']);
  });
});
