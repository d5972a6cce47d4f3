// Runs mcplocal's bounded calls against servers that never answer while forcing garbage
// collections, and prints one JSON line: what each call ended with. Started by
// timeouts-under-gc.test.ts with --expose-gc; imports the built package.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@mcpctl/clock';
import { FailoverRouter, HttpControlChannel, OpenAiProvider, ProviderRegistry, runHttpRecipe, VirtualLlmRegistrar } from '../../../dist/index.js';
import { listModels } from '../../../dist/local-endpoint/list-models.js';
import { McpdClient } from '../../../dist/local-endpoint/mcpd-client.js';

const { silentUrl, mcpdUrl, token } = JSON.parse(process.env.TIMEOUT_CHILD_INPUT);
const TIMEOUT_MS = 300;
const HEARTBEAT_TIMEOUT_MS = 1_500;
const GIVE_UP_MS = 15_000;

if (typeof globalThis.gc !== 'function') throw new Error('run me with --expose-gc');
// Collect often, and make garbage in between, so a timer that holds its signal weakly loses it.
const collector = setInterval(() => {
  for (let index = 0; index < 1_000; index += 1) void { index, text: `garbage ${index}` };
  globalThis.gc();
}, 5);

const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
const describe = (error) => (error instanceof Error ? error.message : String(error));
const silentLog = { info() {}, warn() {}, error() {} };
const provider = () => new OpenAiProvider({ name: 'silent', url: silentUrl, model: 'm' });
const home = await mkdtemp(join(tmpdir(), 'mcplocal-gc-'));

const cases = {
  async register() {
    const registrar = new VirtualLlmRegistrar({
      channel: new HttpControlChannel({ mcpdUrl: silentUrl, token, requestTimeoutMs: TIMEOUT_MS }),
      publishedProviders: [{ provider: provider(), type: 'openai', model: 'm' }],
      sessionFilePath: join(home, 'register-session'),
      log: silentLog,
    });
    try {
      await registrar.start();
      return 'started';
    } catch (error) {
      return describe(error);
    }
  },
  async heartbeat() {
    let failure;
    const heartbeatFailed = new Promise((resolve) => (failure = resolve));
    const registrar = new VirtualLlmRegistrar({
      // This mcpd answers the registration, which must not time out on a loaded machine.
      channel: new HttpControlChannel({ mcpdUrl, token, requestTimeoutMs: HEARTBEAT_TIMEOUT_MS }),
      publishedProviders: [{ provider: provider(), type: 'openai', model: 'm' }],
      sessionFilePath: join(home, 'heartbeat-session'),
      log: { info() {}, error() {}, warn: (line) => line.startsWith('heartbeat failed') && failure(line) },
      heartbeatIntervalMs: 50,
    });
    await registrar.start();
    const line = await heartbeatFailed;
    await registrar.stop();
    return line;
  },
  async availability() {
    return String(await provider().isAvailable({ signal: new AbortController().signal }));
  },
  async failoverProbe() {
    const router = new FailoverRouter(new ProviderRegistry(), { mcpdUrl: silentUrl, bearerToken: token, probeTimeoutMs: TIMEOUT_MS });
    return router.checkAuth('central', { signal: new AbortController().signal });
  },
  async wakeRequest() {
    const recipe = { type: 'http', url: `${silentUrl}/wake`, method: 'POST', maxWaitSeconds: 60 };
    try {
      await runHttpRecipe(recipe, { signal: new AbortController().signal, clock: systemClock, timeoutMs: TIMEOUT_MS });
      return 'woke';
    } catch (error) {
      return describe(error);
    }
  },
  async modelList() {
    const mcpd = new McpdClient({ url: silentUrl, token }, fetch);
    const context = { registry: new ProviderRegistry(), mcpd, startedAt: 0, timeoutMs: TIMEOUT_MS, log: undefined };
    const list = await listModels(context, new AbortController().signal);
    return `listed ${list.data.length}`;
  },
};

const results = {};
const running = Object.entries(cases).map(async ([name, run]) => {
  try {
    results[name] = { outcome: await run(), ms: elapsed() };
  } catch (error) {
    results[name] = { outcome: `threw: ${describe(error)}`, ms: elapsed() };
  }
});
const gaveUp = new Promise((resolve) => setTimeout(resolve, GIVE_UP_MS));
await Promise.race([Promise.all(running), gaveUp]);
for (const name of Object.keys(cases)) results[name] ??= { outcome: 'hung', ms: elapsed() };
clearInterval(collector);
process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0);
