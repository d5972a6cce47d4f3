import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { runCli } from '../../src/run-cli.js';
import { CapturedStream } from './captured-stream.js';

/** A real HTTP server standing in for mcpd in a unit test, and the environment that points the CLI at it. */
export interface StandInMcpd {
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Listens on a free loopback port; `answer` plays mcpd's routes the test needs. */
export async function startStandInMcpd(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<StandInMcpd> {
  const server: Server = createServer((request, response) => {
    request.resume();
    response.setHeader('content-type', 'application/json');
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    env: { MCPCTL_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, MCPCTL_TOKEN: 't', MCPCTL_HOME: '/nonexistent/mcpctl' },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs one command line in this process, as `main.ts` would, with nothing on stdin. */
export async function runInProcess(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  const code = await runCli(args, { stdin: Readable.from([]), stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
