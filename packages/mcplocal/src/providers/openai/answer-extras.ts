import type { AnswerExtras } from '../llm-provider.js';

const ANSWER_FIELDS = new Set(['id', 'object', 'created', 'model', 'choices', 'usage']);
const CHOICE_FIELDS = new Set(['index', 'message', 'delta', 'finish_reason']);
const USAGE_FIELDS = new Set(['prompt_tokens', 'completion_tokens', 'total_tokens']);

/** The fields of `value` not in `named`, or undefined when there are none. */
export function unnamedFields(value: unknown, named: ReadonlySet<string>): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  let extra: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(value)) {
    if (named.has(key)) continue;
    extra ??= {};
    extra[key] = field;
  }
  return extra;
}

/** The top-level fields of a completion or chunk besides the envelope, `choices` and `usage`. */
export function topLevelExtras(answer: unknown): Record<string, unknown> | undefined {
  return unnamedFields(answer, ANSWER_FIELDS);
}

/** The fields of a `usage` object besides OpenAI's three counts. */
export function usageExtras(usage: unknown): Record<string, unknown> | undefined {
  return unnamedFields(usage, USAGE_FIELDS);
}

/**
 * What an OpenAI completion or chunk carries besides what the provider interface names, so the
 * relay can give it back; `messageFields` are the message or delta fields the caller read. The
 * usage's own extras are apart ({@link usageExtras}).
 */
export function answerExtras(
  answer: unknown,
  choice: unknown,
  message: unknown,
  messageFields: ReadonlySet<string>,
  usage?: unknown,
): AnswerExtras | undefined {
  const extras: AnswerExtras = {
    answer: topLevelExtras(answer),
    choice: unnamedFields(choice, CHOICE_FIELDS),
    message: unnamedFields(message, messageFields),
    usage: usageExtras(usage),
  };
  return extras.answer || extras.choice || extras.message || extras.usage ? extras : undefined;
}
