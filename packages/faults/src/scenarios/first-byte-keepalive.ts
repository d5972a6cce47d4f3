import { describeStreamEnd, streamChat } from '../chat-caller.js';
import { START_ALLOWANCE_MS, type FaultScenario } from '../fault-context.js';
import { publishedProvider, startMcpd, startMcplocal, startUpstream } from '../fault-environment.js';
import { seconds } from '../figures.js';

const TIME_TO_FIRST_TOKEN_MS = 20_000;
/** The default keep-alive is 15 s; a loaded machine may be a little late. */
const FIRST_BYTE_LIMIT_MS = 16_500;

/** Item 10: a streaming caller whose model takes 20 s to start gets a comment at about 15 s. */
export const firstByteKeepalive: FaultScenario = {
  item: 10,
  title: 'A caller waiting for a first token gets a byte',
  timeoutMs: START_ALLOWANCE_MS + 90_000,
  async run(context) {
    context.setting(`the model takes ${TIME_TO_FIRST_TOKEN_MS / 1000} s to send its first byte; MCPD_STREAM_KEEPALIVE_SECONDS at its default (15 s)`);
    const upstream = await startUpstream(context, { latencyMs: TIME_TO_FIRST_TOKEN_MS });
    const mcpd = await startMcpd(context);
    await startMcplocal(context, {
      mcpdUrl: mcpd.url,
      token: mcpd.token,
      config: { providers: [publishedProvider('slow-start', upstream)], agents: [] },
    });
    const result = await streamChat({ url: mcpd.url, token: mcpd.token }, 'slow-start', { capMs: 60_000, signal: context.signal });
    const { tally } = result;
    const firstByteMs = tally.firstByteAt === undefined ? undefined : tally.firstByteAt - result.startedAt;
    const firstWasComment = tally.firstCommentAt !== undefined && tally.firstCommentAt === tally.firstByteAt;
    const headers = result.headersAt === undefined ? 'no headers' : `headers at ${seconds(result.headersAt - result.startedAt)}`;
    context.measure({
      name: 'first byte to the streaming caller',
      measured: `${seconds(firstByteMs)} (${firstByteMs === undefined ? 'none' : firstWasComment ? 'a comment' : 'the answer itself'}; ${headers})`,
      target: `a comment by ${seconds(FIRST_BYTE_LIMIT_MS)}`,
      met: firstWasComment && firstByteMs !== undefined && firstByteMs <= FIRST_BYTE_LIMIT_MS,
    });
    context.measure({
      name: 'the answer after the wait',
      measured: describeStreamEnd(result),
      target: 'done',
      met: result.end === 'done',
    });
  },
};
