/** What every object of one answer shares, as OpenAI's own answers do. */
export interface CompletionIdentity {
  /** `chatcmpl-…` */
  id: string;
  /** Seconds since the epoch. */
  created: number;
  /** The published name the caller addressed, not the local model id. */
  model: string;
}
