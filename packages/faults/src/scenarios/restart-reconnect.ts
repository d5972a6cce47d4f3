import { pause } from '../deadline.js';
import { START_ALLOWANCE_MS, type FaultScenario } from '../fault-context.js';
import type { ProxiedConnection } from '../freezing-tcp-proxy.js';
import { llmStatus, publishedProvider, startMcpd, startMcplocal, startProxy, startUpstream } from '../fault-environment.js';
import { durationFigure, seconds } from '../figures.js';
import { waitUntil } from '../wait-until.js';

const FIRST_ATTEMPT_LIMIT_MS = 1_000;
const ACTIVE_LIMIT_MS = 1_500;
const RECONNECT_CAP_MS = 70_000;

/** How long the publisher's stream is up before mcpd restarts. */
const STREAM_SETTLE_MS = 3_000;

/** Item 8: after mcpd ends the stream (a restart), the publisher is back within a second or so. */
export const restartReconnect: FaultScenario = {
  item: 8,
  title: 'Reconnect fast after a clean end',
  timeoutMs: 2 * START_ALLOWANCE_MS + RECONNECT_CAP_MS + 30_000,
  async run(context) {
    context.setting(
      'mcplocal reaches mcpd through a TCP proxy that holds a new connection while mcpd restarts (as a load balancer retrying its backend): the figures are mcplocal’s, not the length of the embedded database’s start',
    );
    const mcpd = await startMcpd(context);
    const upstream = await startUpstream(context);
    const proxy = await startProxy(context, { targetPort: mcpd.port, upstreamRetryMs: 60_000 });
    const mcplocal = await startMcplocal(context, {
      mcpdUrl: proxy.url,
      token: mcpd.token,
      config: { providers: [publishedProvider('comes-back-fast', upstream)], agents: [] },
    });
    // A restart meets streams that have been up a while: mcplocal treats a stream that ends right
    // after it opened as a failed attempt (two daemons sharing one session would otherwise take turns).
    await pause(STREAM_SETTLE_MS, context.signal);
    const stoppedAt = performance.now();
    await mcpd.stop('SIGTERM');
    const restarted = await mcpd.restart();
    const listeningAt = performance.now();
    context.progress(`mcpd restarted in ${seconds(listeningAt - stoppedAt)}`);

    // The stream ended when mcpd closed the long-lived connection; the first connection after that is the reconnect.
    const closes = proxy.connections.map((connection) => connection.upstreamClosedAt).filter((at): at is number => at !== undefined && at >= stoppedAt);
    const streamEndedAt = closes.length > 0 ? Math.min(...closes) : stoppedAt;
    // A heartbeat on a new connection is not a reconnect: the reconnect opens with a registration.
    const isReconnect = (connection: ProxiedConnection) => connection.acceptedAt > streamEndedAt && /_provider-(register|stream)/.test(connection.requestLine ?? '');
    const attempted = await waitUntil(() => proxy.connections.some(isReconnect), RECONNECT_CAP_MS, context.signal);
    const firstAttempt = attempted === undefined ? undefined : proxy.connections.find(isReconnect);
    context.measure(
      durationFigure('first reconnect attempt after mcpd ended the stream', firstAttempt && firstAttempt.acceptedAt - streamEndedAt, FIRST_ATTEMPT_LIMIT_MS, {
        capMs: RECONNECT_CAP_MS,
      }),
    );

    const open = await mcplocal.log.waitFor((line) => line.message.includes('control stream open'), { after: stoppedAt, timeoutMs: RECONNECT_CAP_MS });
    const status = open ? await llmStatus(restarted, 'comes-back-fast') : 'not reconnected';
    context.measure(
      durationFigure(
        'row active again after the new mcpd listened',
        open === undefined ? undefined : Math.max(0, open.at - listeningAt),
        ACTIVE_LIMIT_MS,
        { capMs: RECONNECT_CAP_MS, extra: `row ${status}, restart took ${seconds(listeningAt - stoppedAt)}` },
      ),
    );
  },
};
