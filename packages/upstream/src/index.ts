export { basicToken, sendUpstream, type BodyReader, type SendUpstreamOptions, type TextLimit, type UpstreamAnswer, type UpstreamRequestInit } from './send-upstream.js';
export { REST_OF_STREAM_MS, REST_OF_STREAM_READS, type RestOfStreamTimer } from './rest-of-stream.js';
export { describeNetworkError, networkErrorCode } from './describe-network-error.js';
export type { CancelSignal } from './cancel-signal.js';
export { cutBeforeMasking } from './cut-before-masking.js';
