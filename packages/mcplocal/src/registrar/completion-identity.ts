/** What every object of one answer shares, as OpenAI's own answers do. */
export interface CompletionIdentity {
  /** `chatcmpl-…`; may be a getter that draws it when first read. */
  readonly id: string;
  /** Seconds since the epoch. */
  readonly created: number;
  /** The published name the caller addressed, not the local model id. */
  readonly model: string;
}
