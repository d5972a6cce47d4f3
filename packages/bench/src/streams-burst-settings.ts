/*
 * The `streams500` scenario's fixed figures: many slow streams at once, as many people reading
 * a model at its own pace, rather than few streams as fast as the machine goes.
 */

/** The pace of the paced fake upstream: a typical model read by a person. */
export const PACED_TOKENS_PER_SECOND = 20;
/** Each stream echoes this many words after `user:`: about 3 s of streaming at the pace above. */
export const WORDS_PER_STREAM = 60;
/** The target: a relayed token at most this much later than the pacing, at p99. */
export const MAX_ADDED_INTER_TOKEN_P99_MS = 50;
/** The paced upstream called directly: the baseline the relayed bursts are read against. */
export const PACED_DIRECT_PATH = 'paced-direct';
/** A short burst first, unmeasured, so connections, JIT and buffers are warm. */
export const WARMUP_STREAMS = 50;
export const WARMUP_WORDS = 5;
