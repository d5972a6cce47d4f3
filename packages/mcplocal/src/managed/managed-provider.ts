import type { ChunkSink, CompletionOptions, CompletionResult, LlmProvider, RelayedStreamEnd, StreamDelta } from '../providers/llm-provider.js';
import type { ManagedServer } from './managed-server.js';

/**
 * The provider of a managed entry: the OpenAI-compatible server it runs, reached only through a
 * hold on it. Every call (relayed, from the local endpoint, as a failover) starts the server when
 * it is stopped and keeps it from going idle until the answer has ended; a stream holds it until
 * its last chunk.
 */
export class ManagedProvider implements LlmProvider {
  readonly name: string;

  constructor(
    private readonly inner: LlmProvider & Required<Pick<LlmProvider, 'completionBody' | 'stream' | 'relayChunks'>>,
    readonly server: ManagedServer,
  ) {
    this.name = inner.name;
  }

  async complete(options: CompletionOptions): Promise<CompletionResult> {
    const release = await this.server.lease(signalOf(options));
    try {
      return await this.inner.complete(options);
    } finally {
      release();
    }
  }

  async completionBody(options: CompletionOptions): Promise<Record<string, unknown>> {
    const release = await this.server.lease(signalOf(options));
    try {
      return await this.inner.completionBody(options);
    } finally {
      release();
    }
  }

  async *stream(options: CompletionOptions): AsyncIterable<StreamDelta> {
    const release = await this.server.lease(signalOf(options));
    try {
      yield* this.inner.stream(options);
    } finally {
      release();
    }
  }

  async relayChunks(options: CompletionOptions, sink: ChunkSink): Promise<RelayedStreamEnd> {
    const release = await this.server.lease(signalOf(options));
    try {
      return await this.inner.relayChunks(options, sink);
    } finally {
      release();
    }
  }

  listModels(options?: { signal?: AbortSignal }): Promise<string[]> {
    return this.inner.listModels(options);
  }

  /** Serving now: a stopped server is not started by a probe. */
  async isAvailable(options?: { signal?: AbortSignal }): Promise<boolean> {
    return this.server.serving && (await this.inner.isAvailable(options));
  }
}

const NEVER = new AbortController().signal;

function signalOf(options: CompletionOptions): AbortSignal {
  return options.signal ?? NEVER;
}
