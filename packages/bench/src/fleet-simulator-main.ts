#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { PROVIDER_SESSION_HEADER, PROVIDER_SOCKET_PATH } from '@mcpctl/protocol';
import WebSocket from 'ws';

/*
 * The fleet simulator of `npm run bench -- --only fleet`: many provider sessions multiplexed in
 * this one process, each registered with mcpd as a workstation publishing one model, each holding
 * its own provider socket and heartbeating on it as mcplocal does, at the rate of the whole fleet
 * (SESSIONS beats every INTERVAL, evenly spread). Prints one JSON line per stage; `fleet ready`
 * once every socket is open, then `beating` every 5 s with the beats sent and sockets open.
 */

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    sessions: { type: 'string', default: '10000' },
    'interval-ms': { type: 'string', default: '30000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const mcpdUrl = values.url ?? fail('--url is required');
const token = values.token ?? fail('--token is required');
const sessions = Number(values.sessions);
const intervalMs = Number(values['interval-ms']);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(sessions) || sessions < 1) fail('--sessions must be a whole number of at least 1');
if (!(intervalMs > 0)) fail('--interval-ms must be a positive number of milliseconds');

const say = (msg: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ msg, ...fields })}\n`);
const sockets: WebSocket[] = [];
const HEARTBEAT = JSON.stringify({ type: 'heartbeat' });

/** Runs `work` for 0..count-1, `concurrency` at a time, saying how far it got every 1,000. */
async function eachIndex(count: number, stage: string, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        await work(index);
        done += 1;
        if (done % 1000 === 0) say(stage, { done });
      }
    }),
  );
}

async function register(index: number): Promise<string> {
  const response = await fetch(`${mcpdUrl}/api/v1/llms/_provider-register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ providers: [{ name: `fleet-${index}`, type: 'openai', model: 'fleet-model', initialStatus: 'active' }] }),
  });
  const text = await response.text();
  if (response.status !== 201) fail(`registering fleet-${index}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { providerSessionId: string }).providerSessionId;
}

function connect(sessionId: string): Promise<WebSocket> {
  const socketUrl = new URL(PROVIDER_SOCKET_PATH, mcpdUrl.replace(/^http/, 'ws'));
  const socket = new WebSocket(socketUrl, { headers: { authorization: `Bearer ${token}`, [PROVIDER_SESSION_HEADER]: sessionId }, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    socket.once('message', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`the provider socket was refused: HTTP ${response.statusCode ?? 'without a status'}`)));
    socket.once('error', reject);
  });
}

const startedAt = performance.now();
const ids: string[] = new Array<string>(sessions);
await eachIndex(sessions, 'registered', async (index) => {
  ids[index] = await register(index);
});
const registeredAt = performance.now();
await eachIndex(sessions, 'connected', async (index) => {
  const socket = await connect(ids[index]!).catch((error: unknown) => fail(`connecting fleet-${index}: ${(error as Error).message}`));
  socket.on('close', () => say('a socket closed', { index }));
  sockets[index] = socket;
});
say('fleet ready', {
  sessions,
  registerSeconds: (registeredAt - startedAt) / 1000,
  connectSeconds: (performance.now() - registeredAt) / 1000,
});

// Beats due by now at SESSIONS per INTERVAL, sent in turn through the sessions, so each beats once per interval.
const beatingSince = performance.now();
let sent = 0;
let reported = 0;
setInterval(() => {
  const due = Math.floor(((performance.now() - beatingSince) * sessions) / intervalMs);
  for (; sent < due; sent += 1) {
    const socket = sockets[sent % sessions]!;
    if (socket.readyState === WebSocket.OPEN) socket.send(HEARTBEAT);
  }
}, 10);
setInterval(() => {
  const open = sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length;
  say('beating', { beatsPerSecond: (sent - reported) / 5, open });
  reported = sent;
}, 5_000);

process.on('SIGTERM', () => {
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});

function fail(message: string): never {
  process.stderr.write(`fleet simulator: ${message}\n`);
  process.exit(1);
}
