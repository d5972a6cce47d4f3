import { makeTempDir, spawnMcplocal, startFakeUpstream, writeMcplocalHome, type FakeUpstream, type SpawnedMcplocal, type TempDir } from '@mcpctl/test-kit';
import type { TaskResult } from '@mcpctl/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMcpd, type AnswerStyle, type FakeMcpd } from './fake-mcpd.js';
import { RegistrarHarness } from './registrar-harness.js';

const TOKENS = ['Hello', ' from', ' afar', '.'];
const MESSAGES = [{ role: 'user', content: 'Hi' }];

function streamedText(results: TaskResult[]): string {
  return results
    .map((result) => ('chunk' in result && result.chunk.data !== '[DONE]' ? (JSON.parse(result.chunk.data) as { choices: Array<{ delta: { content?: string } }> }) : undefined))
    .map((chunk) => chunk?.choices[0]?.delta.content ?? '')
    .join('');
}

const isDone = (result: TaskResult) => 'chunk' in result && result.chunk.done === true;

/*
 * The real mcplocal binary against an mcpd scripted to answer like other builds: one that
 * predates agents (a register answer of only {providerSessionId, llms: []}, 204 without a body
 * for heartbeats and results, infer frames without `streaming`, cancels without `llmName`), and
 * a newer one whose every answer carries fields this mcplocal does not know.
 */
describe.each<AnswerStyle>(['minimal', 'extended'])('mcplocal against an mcpd answering %s bodies', (style) => {
  let mcpd: FakeMcpd;
  let upstream: FakeUpstream;
  let home: TempDir;
  let mcplocal: SpawnedMcplocal | undefined;

  beforeEach(async () => {
    [mcpd, upstream, home] = await Promise.all([startFakeMcpd(), startFakeUpstream({ tokens: TOKENS }), makeTempDir('mcplocal-interop')]);
    mcpd.answerStyle = style;
    const provider = { name: 'desk-qwen', type: 'openai', url: upstream.url, model: 'fake-model', publish: true };
    await writeMcplocalHome(home.path, { providers: [provider] }, { mcpdUrl: mcpd.url, token: mcpd.token });
  });

  afterEach(async () => {
    await mcplocal?.stop('SIGKILL');
    mcplocal = undefined;
    await Promise.all([mcpd.close(), upstream.close()]);
    await home.cleanup();
  });

  it('starts, serves a whole and a streamed task end to end, and takes a cancel', async () => {
    mcplocal = await spawnMcplocal({ home: home.path });
    expect(mcpd.registrations).toHaveLength(1);

    const extra = style === 'extended' ? { deadlineMs: 300_000, priority: 'high', trace: { id: 't-1' } } : {};
    // An mcpd that predates `streaming` in the frame asks for a whole answer.
    const whole = style === 'minimal' ? {} : { streaming: false };
    mcpd.pushTask({ kind: 'infer', taskId: 'whole-1', llmName: 'desk-qwen', request: { messages: MESSAGES }, ...whole, ...extra });
    await mcpd.waitFor('the whole answer', () => mcpd.resultsOf('whole-1').length === 1, 10_000);
    const [answer] = mcpd.resultsOf('whole-1');
    expect(answer).toMatchObject({ status: 200, body: { object: 'chat.completion', choices: [{ message: { content: TOKENS.join('') } }] } });

    mcpd.pushTask({ kind: 'infer', taskId: 'stream-1', llmName: 'desk-qwen', request: { messages: MESSAGES }, streaming: true, ...extra });
    await mcpd.waitFor('[DONE]', () => mcpd.resultsOf('stream-1').some(isDone), 10_000);
    expect(streamedText(mcpd.resultsOf('stream-1'))).toBe(TOKENS.join(''));

    upstream.setBehavior({ tokensPerSecond: 5, tokens: undefined, tokenCount: 100 });
    mcpd.pushTask({ kind: 'infer', taskId: 'cancelled-1', llmName: 'desk-qwen', request: { messages: MESSAGES }, streaming: true, ...extra });
    await mcpd.waitFor('a first chunk', () => mcpd.resultsOf('cancelled-1').length >= 1, 10_000);
    const cancel = style === 'minimal' ? { kind: 'cancel', taskId: 'cancelled-1' } : { kind: 'cancel', taskId: 'cancelled-1', llmName: 'desk-qwen', reason: 'caller left' };
    mcpd.pushTask(cancel);
    await upstream.waitForCancelled(1, 10_000);

    const log = mcplocal.output();
    expect(log).not.toMatch(/unexpected body|malformed|ignored a/);
  });
});

describe('the registrar against an mcpd answering minimal bodies', () => {
  let harness: RegistrarHarness | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('keeps heartbeating when heartbeats and results are answered 204 without a body', async () => {
    harness = await RegistrarHarness.start({ tokens: TOKENS });
    harness.mcpd.answerStyle = 'minimal';
    const registrar = harness.registrar({ heartbeatIntervalMs: 30 });
    await registrar.start();
    expect(registrar.getSessionId()).toBe('session-1');
    await harness.mcpd.waitFor('three heartbeats', () => harness!.mcpd.heartbeats.length >= 3);
    harness.mcpd.pushTask({ kind: 'infer', taskId: 'beat-1', llmName: 'local-qwen', request: { messages: MESSAGES }, streaming: true });
    await harness.mcpd.waitFor('[DONE]', () => harness!.mcpd.resultsOf('beat-1').some(isDone));
    expect(harness.lines.warn).toEqual([]);
    expect(harness.lines.info.join('\n')).toMatch(/published 1 LLM\(s\) and 0 agent\(s\) to .*: local-qwen$/m);
  });
});
