import { streamChat } from '../chat-caller.js';
import { pause } from '../deadline.js';
import { START_ALLOWANCE_MS, type FaultContext, type FaultScenario } from '../fault-context.js';
import { startMcpd } from '../fault-environment.js';
import { durationFigure, equalFigure } from '../figures.js';
import { ScriptedPublisher } from '../scripted-publisher.js';

const END_LIMIT_MS = 1_000;
const RELAY_TIMEOUT_SECONDS = 8;
const CALLER_CAP_MS = (RELAY_TIMEOUT_SECONDS + 4) * 1000;

/** The three ways a chunk's `data` can be wrong (SPEC §12, §4.2). */
const MALFORMED = [
  { label: 'data "null"', data: 'null' },
  { label: 'data not JSON', data: '{"choices": [' },
  { label: 'data not a chat.completion.chunk', data: '{"hello":"world"}' },
] as const;

function goodChunk(content: string): { chunk: { data: string } } {
  const chunk = {
    id: 'chatcmpl-scripted',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: 'fake-model',
    choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: null }],
  };
  return { chunk: { data: JSON.stringify(chunk) } };
}

/** Item 11: a malformed chunk gets 400, ends the caller's stream at once, and later posts get 404. */
export const malformedChunk: FaultScenario = {
  item: 11,
  title: 'Malformed frames end the task at once',
  timeoutMs: START_ALLOWANCE_MS + 60_000,
  async run(context) {
    context.setting('a scripted publisher posts to the provider-channel routes (mcplocal passes chunks through and never sends a broken one)');
    context.setting(`MCPD_RELAY_TIMEOUT_SECONDS=${RELAY_TIMEOUT_SECONDS} (default 300): bounds how long a forgotten caller hangs here`);
    const mcpd = await startMcpd(context, { MCPD_RELAY_TIMEOUT_SECONDS: String(RELAY_TIMEOUT_SECONDS) });
    const access = { url: mcpd.url, token: mcpd.token };
    const publisher = await ScriptedPublisher.connect(access, [{ name: 'scripted', type: 'openai', model: 'fake-model' }]);
    context.cleanup.add('close the scripted publisher', async () => publisher.close());
    await Promise.all(MALFORMED.map((malformed) => measureOne(context, access, publisher, malformed)));
  },
};

async function measureOne(
  context: FaultContext,
  access: { url: string; token: string },
  publisher: ScriptedPublisher,
  malformed: (typeof MALFORMED)[number],
): Promise<void> {
  const caller = streamChat(access, 'scripted', { capMs: CALLER_CAP_MS, signal: context.signal });
  const task = await publisher.nextTask(15_000);
  if (!task) {
    context.measure(equalFigure(`${malformed.label}: task reached the publisher`, 'no', 'yes'));
    return;
  }
  // The caller's stream is under way before the broken chunk, as in the field.
  await publisher.post(task.taskId, goodChunk('Hello'));
  await pause(200, context.signal);
  const postedAt = performance.now();
  const status = await publisher.post(task.taskId, { chunk: { data: malformed.data } });
  context.measure(equalFigure(`${malformed.label}: status of the malformed post`, String(status), '400'));
  const later = await publisher.post(task.taskId, goodChunk(' again'));
  const result = await caller;
  context.measure(
    durationFigure(`${malformed.label}: caller's stream ended`, result.end === 'timeout' ? undefined : result.endedAt - postedAt, END_LIMIT_MS, {
      capMs: CALLER_CAP_MS,
    }),
  );
  context.measure(equalFigure(`${malformed.label}: caller's stream ends with`, result.end, 'error-frame'));
  context.measure(equalFigure(`${malformed.label}: status of a later post`, String(later), '404'));
}
