import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderEntry } from '@mcpctl/protocol';
import { callChat, errorMessageOf } from '../chat-caller.js';
import { START_ALLOWANCE_MS, type FaultContext, type FaultScenario } from '../fault-context.js';
import { publishedProvider, startMcpd, startMcplocal, startUpstream } from '../fault-environment.js';

/** Item 13: errors a remote caller sees name the provider, never a workstation URL. */
export const urlLeaks: FaultScenario = {
  item: 13,
  title: "The workstation's URLs never leave it",
  timeoutMs: START_ALLOWANCE_MS + 60_000,
  async run(context) {
    context.setting('a wake recipe with maxWaitSeconds 2 stands for a slow model (the timeout case)');
    const refusedPort = await freePort();
    const wakeServer = await startWakeServer(context);
    const wakeUrl = `http://127.0.0.1:${wakeServer.port}`;
    const asleep = await startUpstream(context, { asleep: true });
    const asleepToo = await startUpstream(context, { asleep: true });
    const wake = (path: string, maxWaitSeconds: number) => ({ type: 'http' as const, url: `${wakeUrl}${path}`, method: 'POST', maxWaitSeconds });
    const providers: ProviderEntry[] = [
      publishedProvider('leak-refused', { url: `http://127.0.0.1:${refusedPort}` }),
      publishedProvider('leak-wake-fails', asleep, { wake: wake('/wake-recipe-fails', 5) }),
      publishedProvider('leak-wake-timeout', asleepToo, { wake: wake('/wake-recipe-answers', 2) }),
    ];
    const mcpd = await startMcpd(context);
    await startMcplocal(context, { mcpdUrl: mcpd.url, token: mcpd.token, config: { providers, agents: [] } });
    // Anything that names one of these is the workstation's address book.
    const secrets = [String(refusedPort), String(wakeServer.port), new URL(asleep.url).port, new URL(asleepToo.url).port, 'wake-recipe-', 'localhost'];
    const cases = [
      { name: 'refused connection', llm: 'leak-refused' },
      { name: 'failing http wake recipe', llm: 'leak-wake-fails' },
      { name: 'wake timeout', llm: 'leak-wake-timeout' },
    ];
    for (const { name, llm } of cases) {
      const answer = await callChat({ url: mcpd.url, token: mcpd.token }, llm, { capMs: 30_000, signal: context.signal });
      const message = answer.status === undefined ? `(${String(answer.failure)})` : errorMessageOf(answer.text);
      const named = secrets.filter((secret) => message.includes(`:${secret}`) || (secret.length > 5 && message.includes(secret)));
      context.measure({
        name: `${name}: error names a local or wake URL`,
        measured: `${named.length > 0 ? 'yes' : 'no'} (${String(answer.status ?? answer.failure)}: "${message.slice(0, 110)}")`,
        target: 'no',
        met: answer.status !== undefined && answer.status >= 400 && named.length === 0,
      });
    }
  },
};

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The other end of the wake recipes: `/wake-recipe-fails` answers 500, anything else 200. */
async function startWakeServer(context: FaultContext): Promise<{ port: number }> {
  const server: Server = createServer((request, response) => {
    request.resume();
    if (request.url?.startsWith('/wake-recipe-fails')) response.writeHead(500).end('the GPU box is out of memory');
    else response.writeHead(200).end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  context.cleanup.add('stop the wake server', () => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port };
}
