import { fileURLToPath } from 'node:url';
import { callChat } from '../chat-caller.js';
import { START_ALLOWANCE_MS, type FaultScenario } from '../fault-context.js';
import { publishedProvider, startMcpd, startMcplocal, startProxy, startUpstream } from '../fault-environment.js';
import { durationFigure, seconds } from '../figures.js';

const FORCE_GC = fileURLToPath(new URL('../force-gc.js', import.meta.url));
const REREGISTER_LIMIT_MS = 75_000;
/** mcplocal gives up on a silent provider socket after 30 s (an SSE stream after 65 s); then it reconnects after its backoff. */
const ATTEMPT_CAP_MS = 100_000;
const HEALED_CAP_MS = 80_000;

/** Item 7: after a half-open stream, mcplocal's own timeouts fire and it registers again once the network heals. */
export const halfOpenReregister: FaultScenario = {
  item: 7,
  title: "mcplocal's own timeouts fire after a half-open stream",
  timeoutMs: START_ALLOWANCE_MS + ATTEMPT_CAP_MS + HEALED_CAP_MS + 30_000,
  async run(context) {
    context.setting('mcplocal runs with --expose-gc and a forced collection every 0.2 s: what a long-lived, busy heap does to unreferenced timers');
    context.setting('mcplocal reaches mcpd through a TCP proxy that freezes every connection (half-open: open, silent both ways) and later heals');
    const mcpd = await startMcpd(context);
    const upstream = await startUpstream(context);
    const proxy = await startProxy(context, { targetPort: mcpd.port });
    const mcplocal = await startMcplocal(context, {
      mcpdUrl: proxy.url,
      token: mcpd.token,
      config: { providers: [publishedProvider('half-open', upstream)], agents: [] },
      env: { NODE_OPTIONS: `--expose-gc --import=${FORCE_GC}` },
    });
    const frozenAt = performance.now();
    proxy.freeze();
    context.progress('network frozen; waiting for mcplocal to notice the silent connection and register again (about 30 s on the provider socket)');
    // The registration mcplocal sends into the frozen network is the call whose timeout must fire.
    const attemptAt = await proxy.waitForDroppedText('POST /api/v1/llms/_provider-register', ATTEMPT_CAP_MS);
    context.measure(
      durationFigure('re-registration attempted after the freeze', attemptAt === undefined ? undefined : attemptAt - frozenAt, REREGISTER_LIMIT_MS, {
        capMs: ATTEMPT_CAP_MS,
      }),
    );
    if (attemptAt === undefined) return;
    const healedAt = performance.now();
    proxy.heal();
    context.progress('network healed while that registration hangs on a dead connection');
    const open = await mcplocal.log.waitFor((line) => line.message.includes('control stream open'), { after: healedAt, timeoutMs: HEALED_CAP_MS });
    context.measure(
      durationFigure('re-registered after the network healed', open === undefined ? undefined : open.at - healedAt, REREGISTER_LIMIT_MS, { capMs: HEALED_CAP_MS }),
    );
    if (!open) return;
    const answer = await callChat({ url: mcpd.url, token: mcpd.token }, 'half-open', { capMs: 20_000, signal: context.signal });
    context.measure({
      name: 'a request after re-registering',
      measured: `${String(answer.status ?? answer.failure)} in ${seconds(answer.endedAt - answer.startedAt)}`,
      target: '200',
      met: answer.status === 200,
    });
  },
};
