import type { Clock } from '@mcpctl/clock';
import { SERVED_BY_HEADER } from '@mcpctl/protocol';
import { serviceUnavailable } from '../errors.js';
import type { InferenceBackend, InferenceCall, InferenceOutcome } from '../inference/inference-backend.js';
import { openAiDialect } from '../inference/open-ai-dialect.js';
import type { InferenceTarget } from '../catalog/llm-catalog.js';
import { OFFLINE_RETRY_AFTER_SECONDS, RelayedTask } from './relayed-task.js';
import type { TaskRegistry } from './task-registry.js';
import type { TaskRouter } from './task-router.js';

export interface RelayOptions {
  firstResultTimeoutMs: number;
  idleTimeoutMs: number;
  /** Chunk data one task may hold for a caller reading slowly before it fails (MCPD_RELAY_TASK_BUFFER_BYTES). */
  taskBufferBytes: number;
}

/** Virtual LLMs: the request goes to the publisher as an `infer` task on its control stream. */
export class RelayService implements InferenceBackend {
  constructor(
    private readonly router: TaskRouter,
    private readonly tasks: TaskRegistry,
    private readonly clock: Clock,
    private readonly options: RelayOptions,
  ) {}

  async serve(call: InferenceCall, target: InferenceTarget, outcome: InferenceOutcome): Promise<void> {
    const { record } = target;
    const sessionId = record.providerSessionId;
    if (!sessionId || !this.router.reachable(sessionId, record.status) || record.status === 'inactive' || !record.ownerId) {
      throw serviceUnavailable(`the publisher of ${record.name} is offline`, OFFLINE_RETRY_AFTER_SECONDS);
    }
    const streaming = call.request.stream === true;
    const { stream: _stream, ...request } = call.request;
    let taskId = '';
    const task = new RelayedTask({
      llmName: record.name,
      streaming,
      caller: call.caller,
      headers: { [SERVED_BY_HEADER]: record.name },
      decoder: openAiDialect.createStreamDecoder({
        model: call.name,
        includeUsage: call.request.stream_options?.include_usage === true,
        created: Math.floor(this.clock.now().getTime() / 1000),
        source: `the publisher of ${record.name}`,
        collectContent: call.collectContent,
        choices: call.request.n,
        checkEveryFrame: true,
      }),
      collectContent: call.collectContent,
      firstResultTimeoutMs: this.options.firstResultTimeoutMs,
      idleTimeoutMs: this.options.idleTimeoutMs,
      clock: this.clock,
      bufferBytes: this.options.taskBufferBytes,
      cancel: () => void this.router.send(sessionId, { kind: 'cancel', taskId, llmName: record.name }),
      onEnd: () => this.tasks.finish(taskId),
    });
    taskId = this.tasks.open(sessionId, record.ownerId, task);
    const sent = this.router.send(sessionId, { kind: 'infer', taskId, llmName: record.name, request, streaming }, record.maxConcurrent);
    if (sent === false) task.unsent();
    else if (sent !== true) sent.then((delivered) => delivered || task.unsent(), (error: unknown) => task.unsent(error));
    try {
      await task.done;
    } finally {
      outcome.usage = task.usage;
      outcome.firstTokenAt = task.firstTokenAt;
      outcome.content = task.content;
      outcome.toolCalls = task.toolCalls;
      const failure = task.streamFailure;
      if (failure) {
        outcome.status = 502;
        outcome.error = failure;
      }
    }
  }
}
