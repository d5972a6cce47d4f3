import { pathToFileURL } from 'node:url';
import { request, Agent } from 'undici';
const [repo, nArg = '2000'] = process.argv.slice(2);
const bench = await import(pathToFileURL(`${repo}/packages/bench/dist/index.js`).href);
const { startBenchEnvironment, CleanupStack, chatRequestBody } = bench;
const cleanup = new CleanupStack();
const env = await startBenchEnvironment({ tokenCount: 16 }, { pathNames: new Set(['mcpd', 'relay-websocket']), pacedTransports: [] }, cleanup);
const agent = new Agent({ keepAliveTimeout: 60000 });
const names = ['direct', 'mcpd', 'relay-websocket'];
const res = Object.fromEntries(names.map((n) => [n, { head: [], first: [], done: [], end: [], reads: [] }]));
for (let i = 0; i < Number(nArg); i++) {
  for (const n of names) {
    const p = env.paths.get(n);
    const body = JSON.stringify({ model: p.model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const t0 = performance.now();
    const r = await request(p.url, { method: 'POST', body, headers: { ...p.headers, 'content-type': 'application/json' }, dispatcher: agent });
    const th = performance.now(); let tf, td, reads = 0;
    for await (const c of r.body) { reads++; const now = performance.now(); tf ??= now; if (c.includes('[DONE]')) td = now; }
    const te = performance.now();
    if (i > 100) { const o = res[n]; o.head.push(th - t0); o.first.push(tf - t0); o.done.push(td - t0); o.end.push(te - t0); o.reads.push(reads); }
  }
}
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
for (const n of names) { const o = res[n]; console.log(n.padEnd(16), 'head', med(o.head).toFixed(3), 'first', med(o.first).toFixed(3), 'done', med(o.done).toFixed(3), 'end', med(o.end).toFixed(3), 'reads', med(o.reads)); }
await cleanup.runAll(); process.exit(0);
