import { TestKitError } from './errors.js';
import type { FakeReasoning, FakeUpstreamFailure, FakeUpstreamMode, FakeUpstreamOptions } from './fake-upstream-options.js';

/** Options resolved once per change, so a request reads ready values and never recomputes them. */
export interface UpstreamBehavior {
  readonly model: string;
  readonly tokens: readonly string[];
  /** `tokens` joined: the whole non-echo answer. */
  readonly text: string;
  readonly echo: boolean;
  readonly latencyMs: number;
  /** Time one token takes to generate; 0 when unpaced. */
  readonly tokenIntervalMs: number;
  readonly apiKey: string | undefined;
  readonly fail: FakeUpstreamFailure | undefined;
  readonly failCount: number;
  readonly mode: FakeUpstreamMode;
  readonly wakeDelayMs: number;
  readonly recordRequests: boolean;
  readonly reasoning: FakeReasoning | undefined;
  readonly logprobs: boolean;
  readonly refuseStreamOptions: boolean;
  readonly ignoreStream: boolean;
}

export const DEFAULT_TOKENS: readonly string[] = ['Hello', ' from', ' the', ' fake', ' upstream', ' model', ' server', '.'];

const WORDS = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit'];
const MODES: readonly FakeUpstreamMode[] = ['normal', 'garbage', 'hang', 'close', 'cut-mid-stream'];

/** Throws on the first invalid option, naming it, so a misconfigured test fails where it configures. */
export function resolveBehavior(options: FakeUpstreamOptions): UpstreamBehavior {
  const tokens = options.tokens ?? (options.tokenCount === undefined ? DEFAULT_TOKENS : generateTokens(options.tokenCount));
  const tokensPerSecond = options.tokensPerSecond;
  if (tokensPerSecond !== undefined && !(tokensPerSecond > 0 && Number.isFinite(tokensPerSecond))) {
    throw new TestKitError(`tokensPerSecond must be a positive number, got ${tokensPerSecond}`);
  }
  const mode = options.mode ?? 'normal';
  if (!MODES.includes(mode)) throw new TestKitError(`mode must be one of ${MODES.join(', ')}, got ${mode}`);
  if (options.fail && !(Number.isInteger(options.fail.status) && options.fail.status >= 400 && options.fail.status <= 599)) {
    throw new TestKitError(`fail.status must be an HTTP error status (400-599), got ${options.fail.status}`);
  }
  return {
    model: options.model ?? 'fake-model',
    tokens,
    text: tokens.join(''),
    echo: options.echo ?? false,
    latencyMs: nonNegative('latencyMs', options.latencyMs ?? 0),
    tokenIntervalMs: tokensPerSecond === undefined ? 0 : 1000 / tokensPerSecond,
    apiKey: options.apiKey,
    fail: options.fail,
    failCount: options.failCount === undefined ? Number.POSITIVE_INFINITY : nonNegative('failCount', options.failCount),
    mode,
    wakeDelayMs: nonNegative('wakeDelayMs', options.wakeDelayMs ?? 0),
    recordRequests: options.recordRequests ?? true,
    reasoning: options.reasoning,
    logprobs: options.logprobs ?? false,
    refuseStreamOptions: options.refuseStreamOptions ?? false,
    ignoreStream: options.ignoreStream ?? false,
  };
}

function generateTokens(count: number): string[] {
  if (!Number.isInteger(count) || count < 0) throw new TestKitError(`tokenCount must be a non-negative integer, got ${count}`);
  return Array.from({ length: count }, (_, index) => `${index === 0 ? '' : ' '}${WORDS[index % WORDS.length]!}`);
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new TestKitError(`${name} must be a non-negative number, got ${value}`);
  return value;
}
