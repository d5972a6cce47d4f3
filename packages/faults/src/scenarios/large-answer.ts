import { callChat, describeStreamEnd, errorMessageOf, streamChat } from '../chat-caller.js';
import { START_ALLOWANCE_MS, type FaultScenario } from '../fault-context.js';
import { publishedProvider, startMcpd, startMcplocal, startUpstream } from '../fault-environment.js';
import { seconds } from '../figures.js';

const MIB = 1024 * 1024;

/** Item 12: relayed answers up to 32 MiB (the default of MCPD_MAX_RESULT_BYTES) are accepted. */
export const largeAnswer: FaultScenario = {
  item: 12,
  title: 'Large relayed answers',
  timeoutMs: START_ALLOWANCE_MS + 120_000,
  async run(context) {
    const { signal } = context;
    context.setting('MCPD_MAX_RESULT_BYTES at its default (32 MiB); the model answers with one token of the size tried');
    const upstream = await startUpstream(context);
    const mcpd = await startMcpd(context);
    await startMcplocal(context, {
      mcpdUrl: mcpd.url,
      token: mcpd.token,
      config: { providers: [publishedProvider('large', upstream)], agents: [] },
    });
    const access = { url: mcpd.url, token: mcpd.token };
    for (const size of [5, 20]) {
      upstream.setBehavior({ tokens: ['x'.repeat(size * MIB)] });
      const answer = await callChat(access, 'large', { capMs: 60_000, signal });
      let length = 0;
      if (answer.status === 200) {
        const body = JSON.parse(answer.text) as { choices?: Array<{ message?: { content?: string } }> };
        length = body.choices?.[0]?.message?.content?.length ?? 0;
      }
      const complete = answer.status === 200 && length === size * MIB;
      const took = seconds(answer.endedAt - answer.startedAt);
      const detail = answer.status === 200 ? (complete ? 'complete' : `${length} bytes of content`) : errorMessageOf(answer.text).slice(0, 100);
      context.measure({
        name: `${size} MiB whole answer`,
        measured: `${String(answer.status ?? answer.failure)} in ${took}: ${detail}`,
        target: '200, complete',
        met: complete,
      });
    }
    upstream.setBehavior({ tokens: ['x'.repeat(5 * MIB)] });
    const streamed = await streamChat(access, 'large', { capMs: 60_000, signal });
    const complete = streamed.end === 'done' && streamed.tally.text.length === 5 * MIB;
    context.measure({
      name: '5 MiB streamed chunk',
      measured: `${describeStreamEnd(streamed)}${complete ? ', complete' : ''}`,
      target: 'done, complete',
      met: complete,
    });
  },
};

