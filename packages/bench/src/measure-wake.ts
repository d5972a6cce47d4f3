import { chatCompletionSchema, llmViewSchema, type ProviderEntry } from '@mcpctl/protocol';
import { spawnMcplocal, startFakeUpstream, type FakeUpstream } from '@mcpctl/test-kit';
import { keepProcess } from './bench-process.js';
import type { CleanupStack } from './cleanup-stack.js';
import { BenchError } from './errors.js';
import { writeMcplocalHome } from './mcplocal-home.js';
import type { Progress } from './run-scenario.js';
import { summarizeWake, wakeSample, type WakeFigures, type WakeSample } from './wake-overhead.js';

export interface WakeSettings {
  samples: number;
  /** Wake call to ready, per sample in turn. */
  delaysMs: readonly number[];
  tokenCount: number;
}

/** The target: a relayed answer at most this long after the backend is ready, at p50. */
export const WAKE_TARGET_P50_MS = 300;
const MAX_WAIT_SECONDS = 30;
/** mcpd holds a caller for the recipe's maxWaitSeconds plus its margin (15 s); a little more bounds the client. */
const REQUEST_TIMEOUT_MS = (MAX_WAIT_SECONDS + 20) * 1000;

interface Sleeper {
  llm: string;
  delayMs: number;
  upstream: FakeUpstream;
}

/**
 * Times waking a hibernating virtual LLM. Each sample gets its own backend, a fake upstream in
 * this process that starts asleep and comes up `delayMs` after its `/wake_up` is called, published
 * by one mcplocal with an HTTP wake recipe, so every row starts `hibernating` and is used once.
 * The fakes share this process's clock: the instant the backend came up and the instant the
 * answer arrived are read from the same `performance.now()`.
 */
export async function measureWake(
  mcpd: { url: string; token: string },
  settings: WakeSettings,
  cleanup: CleanupStack,
  signal: AbortSignal,
  progress: Progress,
): Promise<WakeFigures> {
  const sleepers: Sleeper[] = [];
  for (let index = 0; index < settings.samples; index += 1) {
    const delayMs = wakeDelayFor(index, settings.samples, settings.delaysMs);
    const upstream = await startFakeUpstream({ asleep: true, wakeDelayMs: delayMs, tokenCount: settings.tokenCount });
    cleanup.add(`close the sleeping fake upstream ${index + 1}`, () => upstream.close());
    sleepers.push({ llm: `bench-wake-${index + 1}`, delayMs, upstream });
  }
  const providers = sleepers.map(({ llm, upstream }): ProviderEntry => ({
    name: llm,
    type: 'openai',
    url: upstream.openaiBaseUrl,
    model: 'fake-model',
    publish: true,
    visibility: 'private',
    wake: { type: 'http', url: `${upstream.url}/wake_up`, method: 'POST', maxWaitSeconds: MAX_WAIT_SECONDS },
  }));
  const home = await writeMcplocalHome({ providers, agents: [] }, { mcpdUrl: mcpd.url, token: mcpd.token }, cleanup);
  const publisher = keepProcess(cleanup, 'mcplocal (wake)', await spawnMcplocal({ home }), `publishes ${settings.samples} sleeping backends`);
  progress(`wake: mcplocal pid ${publisher.pid} publishes bench-wake-1…${settings.samples}`);
  await expectHibernating(mcpd, sleepers.map((sleeper) => sleeper.llm));

  const samples: WakeSample[] = [];
  for (const [index, sleeper] of sleepers.entries()) {
    if (signal.aborted) throw new BenchError('the run was interrupted');
    const sample = await wakeOnce(mcpd, sleeper, signal);
    samples.push(sample);
    progress(
      `wake ${index + 1}/${sleepers.length} (backend up ${sleeper.delayMs} ms after its wake call): HTTP ${sample.status}, answer ${sample.overheadMs.toFixed(1)} ms after ready`,
    );
  }
  return summarizeWake(samples, WAKE_TARGET_P50_MS);
}

/**
 * The delay of sample `index`: fewer samples than delays take evenly spaced ones, so a short run
 * still spans the whole range; more samples than delays go round them.
 */
export function wakeDelayFor(index: number, samples: number, delaysMs: readonly number[]): number {
  const step = delaysMs.length / Math.min(samples, delaysMs.length);
  return delaysMs[Math.floor(index * step) % delaysMs.length]!;
}

async function wakeOnce(mcpd: { url: string; token: string }, sleeper: Sleeper, signal: AbortSignal): Promise<WakeSample> {
  const { upstream } = sleeper;
  const body = JSON.stringify({ model: sleeper.llm, messages: [{ role: 'user', content: 'Say something' }], stream: false });
  const sentAt = performance.now();
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${mcpd.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mcpd.token}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw new BenchError(`the request that should wake ${sleeper.llm} failed`, { cause: error });
  }
  const answeredAt = performance.now();
  if (status === 200) assertAnswer(sleeper.llm, text);
  const wakeCalledAt = upstream.lastWakeCallAt;
  const readyAt = upstream.lastWokeAt;
  if (status === 200 && (wakeCalledAt === undefined || readyAt === undefined)) {
    throw new BenchError(`${sleeper.llm} answered without its backend being woken: was it hibernating?`);
  }
  return wakeSample(sleeper.llm, sleeper.delayMs, status, {
    sentAt,
    wakeCalledAt: wakeCalledAt ?? Number.NaN,
    readyAt: readyAt ?? Number.NaN,
    detectedAt: detectionInstant(upstream),
    answeredAt,
  });
}

/**
 * When mcplocal's probe that found the backend up reached it: the last model-list request, as
 * mcplocal stops probing once one succeeds. The fake stamps requests in epoch milliseconds, so
 * this is exact to about 1 ms, plenty beside probe intervals of 250 ms and more.
 */
function detectionInstant(upstream: FakeUpstream): number | undefined {
  const probe = upstream.requests.findLast((request) => request.method === 'GET' && request.path === '/v1/models');
  if (!probe) return undefined;
  const epochOffset = Date.now() - performance.now();
  return probe.receivedAt - epochOffset;
}

function assertAnswer(llm: string, text: string): void {
  try {
    if (chatCompletionSchema.parse(JSON.parse(text)).choices[0]?.message.content) return;
  } catch (error) {
    throw new BenchError(`${llm} answered something unreadable after its wake: ${text.slice(0, 200)}`, { cause: error });
  }
  throw new BenchError(`${llm} answered with no text after its wake`);
}

async function expectHibernating(mcpd: { url: string; token: string }, names: readonly string[]): Promise<void> {
  let views;
  try {
    const response = await fetch(`${mcpd.url}/api/v1/llms`, { headers: { authorization: `Bearer ${mcpd.token}` }, signal: AbortSignal.timeout(10_000) });
    views = llmViewSchema.array().parse(await response.json());
  } catch (error) {
    throw new BenchError('cannot list the LLMs in mcpd', { cause: error });
  }
  const status = new Map(views.map((view) => [view.name, view.status]));
  const awake = names.filter((name) => status.get(name) !== 'hibernating');
  if (awake.length > 0) {
    throw new BenchError(`the wake measurement needs hibernating LLMs, but ${awake.map((name) => `${name} is ${status.get(name) ?? 'missing'}`).join(', ')}`);
  }
}
