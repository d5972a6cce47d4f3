/**
 * An OpenAI request that cannot be expressed in the target's dialect (an audio part, a legacy
 * `function` message, `n` > 1, …). It is the caller's request that is at fault, so it belongs
 * in a 400 answer rather than being silently dropped: the model would otherwise answer a
 * question it never fully saw.
 */
export class TranslationError extends Error {
  override readonly name = 'TranslationError';
}
