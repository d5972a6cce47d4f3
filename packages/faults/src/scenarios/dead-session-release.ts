import type { FakeUpstream } from '@mcpctl/test-kit';
import { callChat, type CallResult, type McpdAccess } from '../chat-caller.js';
import { pause } from '../deadline.js';
import { START_ALLOWANCE_MS, type FaultContext, type FaultScenario } from '../fault-context.js';
import { publishedProvider, startMcpd, startMcplocal, startProxy, startUpstream, waitForStatus } from '../fault-environment.js';
import { releaseFigure, seconds } from '../figures.js';
import { waitUntil } from '../wait-until.js';

const RELEASE_LIMIT_MS = 2_000;
/** mcplocal beats every 30 s; the row must outlive one beat and die soon after the freeze. */
const HEARTBEAT_TIMEOUT_SECONDS = 32;
const RELAY_TIMEOUT_SECONDS = 45;
const CALLER_CAP_MS = 55_000;

/** Item 6: when a session dies, its in-flight and queued callers are released at once with 503. */
export const deadSessionRelease: FaultScenario = {
  item: 6,
  title: 'Dead sessions release their callers at once',
  timeoutMs: START_ALLOWANCE_MS + 90_000,
  async run(context) {
    context.setting(`MCPD_HEARTBEAT_TIMEOUT_SECONDS=${HEARTBEAT_TIMEOUT_SECONDS} (default 90) and MCPD_GC_INTERVAL_SECONDS=0.5 (default 60): GC finds the frozen session within seconds of its missed beat`);
    context.setting(`MCPD_RELAY_TIMEOUT_SECONDS=${RELAY_TIMEOUT_SECONDS} (default 300) and MCPD_QUEUE_MAX_WAIT_SECONDS=${RELAY_TIMEOUT_SECONDS} (default 60) bound how long a forgotten caller hangs here`);
    const mcpd = await startMcpd(context, {
      MCPD_HEARTBEAT_TIMEOUT_SECONDS: String(HEARTBEAT_TIMEOUT_SECONDS),
      MCPD_GC_INTERVAL_SECONDS: '0.5',
      MCPD_RELAY_TIMEOUT_SECONDS: String(RELAY_TIMEOUT_SECONDS),
      MCPD_QUEUE_MAX_WAIT_SECONDS: String(RELAY_TIMEOUT_SECONDS),
    });
    // Models that never answer within the scenario: every caller is still waiting when the session dies.
    const killedUpstream = await startUpstream(context, { latencyMs: 600_000 });
    const frozenUpstream = await startUpstream(context, { latencyMs: 600_000 });
    const proxy = await startProxy(context, { targetPort: mcpd.port });
    const single = { maxConcurrent: 1 };
    const killed = await startMcplocal(context, {
      mcpdUrl: mcpd.url,
      token: mcpd.token,
      config: { providers: [publishedProvider('dies', killedUpstream, single)], agents: [] },
    });
    await startMcplocal(context, {
      mcpdUrl: proxy.url,
      token: mcpd.token,
      config: { providers: [publishedProvider('freezes', frozenUpstream, single)], agents: [] },
    });
    const access = { url: mcpd.url, token: mcpd.token };

    await Promise.all([
      measureDeath(context, access, 'dies', killedUpstream, 'publisher SIGKILLed', async () => {
        killed.process.kill('SIGKILL');
        return performance.now();
      }),
      measureDeath(context, access, 'freezes', frozenUpstream, 'half-open stream, after GC flipped the row', async () => {
        const frozenAt = performance.now();
        proxy.freeze();
        context.progress('the network of the second publisher is frozen; waiting for GC to flip its row');
        const flippedAt = await waitForStatus(access, 'freezes', 'inactive', { capMs: (HEARTBEAT_TIMEOUT_SECONDS + 15) * 1000, signal: context.signal });
        context.measure({
          name: 'half-open: row went inactive after the freeze',
          measured: flippedAt === undefined ? 'never' : seconds(flippedAt - frozenAt),
          target: `≤ ${HEARTBEAT_TIMEOUT_SECONDS + 3} s (heartbeat timeout)`,
          met: flippedAt !== undefined && flippedAt - frozenAt <= (HEARTBEAT_TIMEOUT_SECONDS + 3) * 1000,
        });
        return flippedAt;
      }),
    ]);
  },
};

/**
 * Puts one caller in flight (the publisher has its task) and one in the queue behind it
 * (`maxConcurrent` 1), kills the session with `kill`, and holds both callers' release to the
 * limit, counted from the instant `kill` reports the session known dead.
 */
async function measureDeath(
  context: FaultContext,
  access: McpdAccess,
  llm: string,
  upstream: FakeUpstream,
  how: string,
  kill: () => Promise<number | undefined>,
): Promise<void> {
  const { signal } = context;
  const inFlight = callChat(access, llm, { capMs: CALLER_CAP_MS, signal });
  if ((await waitUntil(() => upstream.requests.length >= 1, 10_000, signal)) === undefined) {
    context.measure({ name: `${how}: first caller reached the model`, measured: 'no', target: 'yes', met: false });
    return;
  }
  const queued = callChat(access, llm, { capMs: CALLER_CAP_MS, signal });
  await pause(500, signal);
  const deadAt = await kill();
  const [first, second] = await Promise.all([inFlight, queued]);
  if (deadAt === undefined) return;
  context.measure(releaseFigure(`${how}: in-flight caller released`, release(first, deadAt), RELEASE_LIMIT_MS, '503'));
  context.measure(releaseFigure(`${how}: queued caller released`, release(second, deadAt), RELEASE_LIMIT_MS, '503'));
}

/** How long after `deadAt` the caller got its answer (0 when it came before), and what the answer was. */
function release(result: CallResult, deadAt: number): { ms: number | undefined; status: string } {
  const status = result.status === undefined ? (result.failure ?? 'no answer') : String(result.status);
  if (result.failure === 'timeout') return { ms: undefined, status };
  return { ms: Math.max(0, result.endedAt - deadAt), status };
}
