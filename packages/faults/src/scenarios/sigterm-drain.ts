import { once } from 'node:events';
import { callChat, streamChat } from '../chat-caller.js';
import { pause } from '../deadline.js';
import { START_ALLOWANCE_MS, type FaultScenario } from '../fault-context.js';
import { publishedProvider, startMcpd, startMcplocal, startUpstream } from '../fault-environment.js';
import { equalFigure, seconds } from '../figures.js';
import { waitUntil } from '../wait-until.js';

const STREAMS = 10;
const DEADLINE_SECONDS = 6;

/** Item 5: relayed streams in flight when mcpd gets SIGTERM finish; new work is refused with 503. */
export const sigtermDrain: FaultScenario = {
  item: 5,
  title: 'SIGTERM drains relayed streams',
  timeoutMs: START_ALLOWANCE_MS + 60_000,
  async run(context) {
    const { signal } = context;
    context.setting(`MCPD_SHUTDOWN_DEADLINE_SECONDS=${DEADLINE_SECONDS} (default 30): the scenario is about the drain, not its length`);
    // 3 s answers finish well inside the deadline; the long one (100 s) must be cut at it.
    const short = await startUpstream(context, { tokenCount: 30, tokensPerSecond: 10 });
    const long = await startUpstream(context, { tokenCount: 400, tokensPerSecond: 4 });
    const mcpd = await startMcpd(context, { MCPD_SHUTDOWN_DEADLINE_SECONDS: String(DEADLINE_SECONDS) });
    await startMcplocal(context, {
      mcpdUrl: mcpd.url,
      token: mcpd.token,
      config: { providers: [publishedProvider('drain-short', short), publishedProvider('drain-long', long)], agents: [] },
    });
    const access = { url: mcpd.url, token: mcpd.token };
    const capMs = (DEADLINE_SECONDS + 20) * 1000;
    const streams = Array.from({ length: STREAMS }, () => streamChat(access, 'drain-short', { capMs, signal }));
    const longStream = streamChat(access, 'drain-long', { capMs, signal });
    const underWay = await waitUntil(() => short.inFlight >= STREAMS && long.inFlight >= 1, 15_000, signal);
    if (underWay === undefined) {
      context.measure(equalFigure('streams under way before SIGTERM', `${short.inFlight}/${STREAMS}`, `${STREAMS}/${STREAMS}`));
      return;
    }
    const exited = once(mcpd.process, 'exit');
    const sigtermAt = performance.now();
    mcpd.process.kill('SIGTERM');
    context.progress('SIGTERM sent to mcpd with 11 relayed streams in flight');

    await pause(300, signal);
    const during = await callChat(access, 'drain-short', { capMs: 10_000, signal });
    const duringStatus = during.status === undefined ? `${String(during.failure)} (${during.text.slice(0, 80)})` : String(during.status);
    context.measure({ name: 'new request during the drain', measured: duringStatus, target: '503', met: during.status === 503 });

    const results = await Promise.all(streams);
    const finished = results.filter((result) => result.end === 'done' && result.tally.finishReason !== undefined).length;
    const ends = summarize(results.map((result) => result.end));
    context.measure({
      name: 'streams finished on SIGTERM',
      measured: `${finished}/${STREAMS}${finished < STREAMS ? ` (${ends})` : ''}`,
      target: `${STREAMS}/${STREAMS}`,
      met: finished === STREAMS,
    });

    const cut = await longStream;
    context.measure({
      name: 'stream still running at the deadline ends with',
      measured: `${cut.end} after ${seconds(cut.endedAt - sigtermAt)}${cut.tally.errorMessage ? ` ("${cut.tally.errorMessage.slice(0, 60)}")` : ''}`,
      target: 'error-frame',
      met: cut.end === 'error-frame',
    });

    const exitedAt = await Promise.race([exited.then(() => performance.now()), pause(20_000, signal).then(() => undefined)]);
    context.measure({
      name: 'mcpd exited after SIGTERM',
      measured: exitedAt === undefined ? 'still running after 20 s' : seconds(exitedAt - sigtermAt),
      target: `≤ ${DEADLINE_SECONDS + 2} s (the deadline)`,
      met: exitedAt !== undefined && exitedAt - sigtermAt <= (DEADLINE_SECONDS + 2) * 1000,
    });
  },
};

/** `["done", "reset", "reset"]` as `1 done, 2 reset`. */
function summarize(ends: string[]): string {
  const counts = new Map<string, number>();
  for (const end of ends) counts.set(end, (counts.get(end) ?? 0) + 1);
  return [...counts].map(([end, count]) => `${count} ${end}`).join(', ');
}
