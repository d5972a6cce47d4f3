import { callChat } from '../chat-caller.js';
import { pause } from '../deadline.js';
import { START_ALLOWANCE_MS, type FaultScenario } from '../fault-context.js';
import { llmStatus, publishedProvider, startMcpd, startMcplocal, startProxy, startUpstream } from '../fault-environment.js';
import { equalFigure, releaseFigure, seconds } from '../figures.js';

/** The default of MCPD_RECONNECT_GRACE_SECONDS. */
const GRACE_MS = 15_000;
const AT_ONCE_MS = 1_000;

/** How long the publisher's stream is up before mcpd restarts. */
const STREAM_SETTLE_MS = 3_000;

/** Item 9: after a restart, rows without a publisher read inactive; within the grace a request waits for it. */
export const restartStatus: FaultScenario = {
  item: 9,
  title: 'Status tells the truth after an mcpd restart',
  timeoutMs: 2 * START_ALLOWANCE_MS + 60_000,
  async run(context) {
    const { signal } = context;
    context.setting('reconnect grace at its default (15 s); one publisher comes back, the other was killed while mcpd was down');
    const mcpd = await startMcpd(context);
    const upstream = await startUpstream(context);
    const proxy = await startProxy(context, { targetPort: mcpd.port });
    await startMcplocal(context, {
      mcpdUrl: proxy.url,
      token: mcpd.token,
      config: { providers: [publishedProvider('comes-back', upstream)], agents: [] },
    });
    const gone = await startMcplocal(context, {
      mcpdUrl: mcpd.url,
      token: mcpd.token,
      config: { providers: [publishedProvider('stays-away', upstream)], agents: [] },
    });
    // A restart meets streams that have been up a while: mcplocal treats a stream that ends right
    // after it opened as a failed attempt (two daemons sharing one session would otherwise take turns).
    await pause(STREAM_SETTLE_MS, context.signal);
    // The returning publisher's reconnect waits at the proxy until the new mcpd has been looked at.
    proxy.hold();
    await mcpd.stop('SIGTERM');
    await gone.stop('SIGKILL');
    const restarted = await mcpd.restart();
    const readyAt = performance.now();
    const access = { url: restarted.url, token: restarted.token };
    for (const name of ['comes-back', 'stays-away']) {
      context.measure(equalFigure(`status of ${name} right after the restart`, await llmStatus(access, name), 'inactive'));
    }

    const waiting = callChat(access, 'comes-back', { capMs: GRACE_MS + 10_000, signal });
    await pause(100, signal);
    proxy.release();
    const answer = await waiting;
    const sentAfter = answer.startedAt - readyAt;
    context.measure({
      name: `request within the grace (sent ${seconds(sentAfter)} after start)`,
      measured: `${String(answer.status ?? answer.failure)} after ${seconds(answer.endedAt - answer.startedAt)}`,
      target: '200 (waited for the publisher)',
      met: answer.status === 200,
    });

    await pause(Math.max(0, readyAt + GRACE_MS + 1_000 - performance.now()), signal);
    const late = await callChat(access, 'stays-away', { capMs: 10_000, signal });
    context.measure(
      releaseFigure(
        'request after the grace, publisher gone',
        { ms: late.failure === 'timeout' ? undefined : late.endedAt - late.startedAt, status: String(late.status ?? late.failure) },
        AT_ONCE_MS,
        '503',
      ),
    );
  },
};
