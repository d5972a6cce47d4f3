import type { ChatCompletionRequest, StreamedChunk, Usage } from '@mcpctl/protocol';
import type { RawFrame } from '@mcpctl/dialects';
import type { InferenceTarget } from '../catalog/llm-catalog.js';


/** Who sends a stream when nobody named it: `the upstream of NAME` and `the publisher of NAME` are better. */
export const DEFAULT_STREAM_SOURCE = 'the upstream';
/** An HTTP request to an upstream model server, ready to send. */
export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One server-sent event as the upstream framed it. */
export interface UpstreamEvent {
  event?: string | undefined;
  data: string;
  /** The frame's bytes when they are exactly `data: ${data}\n\n` (see `SseEvent.raw`). */
  raw?: RawFrame | undefined;
}

/**
 * What a stream is made of, whatever its source (an upstream dialect or a relayed
 * workstation): OpenAI chunks with the text to forward, the end, or a failure.
 */
export type StreamPart =
  | {
      type: 'chunk';
      /** The chunk's JSON text, forwarded as is. */
      data: string;
      /**
       * The chunk read, when something in it mattered (its first output, finish reason, usage);
       * undefined for one a peek found nothing to read in, passed on without a parse.
       */
      chunk?: StreamedChunk | undefined;
      /** A chunk passed on unread whose text holds the answer's first output: the first token is timed by it. */
      firstOutput?: boolean | undefined;
      /** False for frames the caller did not ask for (a usage chunk mcpd requested for its audit). */
      forward: boolean;
      /** The frame as the upstream wrote it, when that is exactly `data: ${data}\n\n`: written as it came. */
      raw?: RawFrame | undefined;
    }
  | { type: 'done'; raw?: RawFrame | undefined }
  /** `status`: of a stream whose answer never began, the status the failure would have had (see `openAiErrorSchema`). */
  | { type: 'error'; message: string; status?: number | undefined };

export interface StreamContext {
  /** The name the caller asked for; translated chunks carry it as `model`. */
  model: string;
  includeUsage: boolean;
  created: number;
  /** Every chunk is read, not only those a peek marks: the caller keeps the answer's text. */
  collectContent?: boolean | undefined;
  /**
   * The request's `n`. Above one every chunk is read too, so that a finish made up for a stream
   * that gave none names the choices the server sent, however many `n` asked for.
   */
  choices?: number | null | undefined;
  /** Who sends the frames, as error messages name it; default {@link DEFAULT_STREAM_SOURCE}. */
  source?: string | undefined;
  /**
   * Every frame must be JSON, not only those a peek marks: a relayed chunk that is not a
   * chat.completion.chunk gets 400 (SPEC §12), so a publisher's broken frame never reaches a caller.
   * A plain frame is still passed on as the text it came as.
   */
  checkEveryFrame?: boolean | undefined;
}

export interface StreamDecoder {
  decode(event: UpstreamEvent): StreamPart[];
  /** Called when the upstream body ended; answers whatever is still owed. */
  end(): StreamPart[];
}

/** The mapping between the OpenAI shape mcpd serves and one upstream wire dialect. */
export interface Dialect {
  /**
   * A new request each call, its headers the caller's to add to. `askUsage: false` leaves out
   * the usage the dialect would ask a stream for (a server that refused it once).
   */
  buildRequest(target: InferenceTarget, request: ChatCompletionRequest, streaming: boolean, options?: { askUsage?: boolean }): UpstreamRequest;
  /**
   * Turns a 2xx body (parsed, and its text) into the `chat.completion` JSON text to answer;
   * throws when it is not one.
   */
  readCompletion(body: unknown, text: string, context: StreamContext): { json: string; usage: Usage | undefined };
  /** The human message inside an upstream error body. */
  readErrorMessage(body: unknown): string | undefined;
  createStreamDecoder(context: StreamContext): StreamDecoder;
}
