import { PROVIDER_SOCKET_PING_MS } from '@mcpctl/protocol';
import { callChat } from '../chat-caller.js';
import { START_ALLOWANCE_MS, type FaultScenario } from '../fault-context.js';
import { publishedProvider, startMcpd, startMcplocal, startProxy, startUpstream, waitForStatus } from '../fault-environment.js';
import { durationFigure, releaseFigure, seconds } from '../figures.js';
import { waitUntil } from '../wait-until.js';

/** SPEC §12: a dead provider socket is noticed within 30 s, by mcpd and by mcplocal alike. */
const NOTICE_LIMIT_MS = 30_000;
/**
 * After the heal mcplocal may still wait out a register request it sent into the frozen path (its
 * 30 s request timeout) and then a backoff of up to 60 s; the healed path must serve within both.
 */
const HEALED_LIMIT_MS = 100_000;
const RELEASE_CAP_MS = NOTICE_LIMIT_MS + 15_000;

/**
 * Item 14: the provider socket goes silent (a proxy stops forwarding both ways, heartbeats
 * included): mcpd's pings go unanswered, so it fails the task in flight and marks the row
 * inactive within 30 s, without waiting for the 90 s heartbeat timeout; mcplocal notices the
 * silence on its side and serves again once the path heals.
 */
export const silentSocket: FaultScenario = {
  item: 14,
  title: 'A silent provider socket is noticed within 30 s',
  timeoutMs: START_ALLOWANCE_MS + RELEASE_CAP_MS + HEALED_LIMIT_MS + 30_000,
  async run(context) {
    const { signal } = context;
    context.setting(`mcplocal forced to the provider socket (MCPLOCAL_PROVIDER_TRANSPORT=websocket); mcpd pings every ${seconds(PROVIDER_SOCKET_PING_MS)}`);
    context.setting('heartbeat timeout and GC at their defaults (90 s, 60 s): only the socket liveness can be what notices');
    const mcpd = await startMcpd(context);
    // A model that never answers within the scenario: the caller is still waiting when the socket dies.
    const upstream = await startUpstream(context, { latencyMs: 600_000 });
    const proxy = await startProxy(context, { targetPort: mcpd.port });
    const mcplocal = await startMcplocal(context, {
      mcpdUrl: proxy.url,
      token: mcpd.token,
      config: { providers: [publishedProvider('goes-silent', upstream)], agents: [] },
      env: { MCPLOCAL_PROVIDER_TRANSPORT: 'websocket' },
    });
    const access = { url: mcpd.url, token: mcpd.token };

    const waiting = callChat(access, 'goes-silent', { capMs: RELEASE_CAP_MS + 5_000, signal });
    // The task has crossed the socket once the local server has the chat request.
    await waitUntil(() => upstream.requests.some((request) => request.path.endsWith('/chat/completions')), 10_000, signal);
    const frozenAt = performance.now();
    proxy.freeze();
    context.progress('the socket is frozen both ways; waiting for mcpd to notice');

    const flippedAt = await waitForStatus(access, 'goes-silent', 'inactive', { capMs: RELEASE_CAP_MS, signal });
    context.measure(
      durationFigure('row went inactive after the freeze', flippedAt === undefined ? undefined : flippedAt - frozenAt, NOTICE_LIMIT_MS, {
        capMs: RELEASE_CAP_MS,
      }),
    );
    const answer = await waiting;
    context.measure(
      releaseFigure(
        'the caller in flight, released after the freeze',
        { ms: answer.failure === 'timeout' ? undefined : answer.endedAt - frozenAt, status: String(answer.status ?? answer.failure) },
        NOTICE_LIMIT_MS,
        '503',
      ),
    );

    const healedAt = performance.now();
    proxy.heal();
    context.progress('the path healed; waiting for mcplocal to serve again');
    const open = await mcplocal.log.waitFor((line) => line.message.includes('control stream open over websocket'), {
      after: healedAt,
      timeoutMs: HEALED_LIMIT_MS,
    });
    context.measure(
      durationFigure('socket open again after the path healed', open === undefined ? undefined : open.at - healedAt, HEALED_LIMIT_MS, {
        capMs: HEALED_LIMIT_MS,
      }),
    );
    if (!open) return;
    upstream.setBehavior({ latencyMs: 0 });
    const after = await callChat(access, 'goes-silent', { capMs: 20_000, signal });
    context.measure({
      name: 'a request once the path healed',
      measured: `${String(after.status ?? after.failure)} in ${seconds(after.endedAt - after.startedAt)}`,
      target: '200',
      met: after.status === 200,
    });
  },
};
