import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface StateSources {
  queued(): number;
  connectedSessions(): number;
  llmCounts(): Promise<Array<{ kind: string; status: string; count: number }>>;
  /** Whether `name` is an LLM or pool in the registry (visible to anyone or not). */
  nameExists(name: string): Promise<boolean>;
}

/**
 * The `llm` label of a request for a name that is not in the registry. Requested names are
 * the caller's input: labelling each would let anyone grow the metrics without bound. A
 * registry name never starts with `_`, so this one cannot be taken by an LLM.
 */
export const UNKNOWN_LLM_LABEL = '_unknown';

/** One inference as the metrics count it. */
export interface InferenceObservation {
  /** The LLM, pool or agent name asked for. */
  name: string;
  status: number;
  latencyMs: number;
  /** From the request to the first token of a streamed answer; null when none came. */
  firstTokenMs: number | null;
  /** How long it waited for a free LLM or pool member; null when it never asked for one. */
  queueMs: number | null;
  /** A member answered it, so the name is in the registry and is not looked up. */
  served: boolean;
}

/** Longest registry name (a DNS label); anything longer cannot exist and is not looked up. */
const MAX_NAME_LENGTH = 63;

/** mcpd's Prometheus metrics, on a registry of its own so several servers can share a process. */
export class McpdMetrics {
  readonly registry = new Registry();

  readonly inferenceRequests = new Counter({
    name: 'mcpd_inference_requests_total',
    help: 'Inference requests by LLM name and answered status',
    labelNames: ['llm', 'status'] as const,
    registers: [this.registry],
  });

  readonly inferenceDuration = this.#secondsPerLlm(
    'mcpd_inference_duration_seconds',
    'Time from request to the end of the answer',
    [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  );

  readonly firstToken = this.#secondsPerLlm(
    'mcpd_inference_first_token_seconds',
    'Time from request to the first token of a streamed answer (streams that had one)',
    [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );

  readonly queueWait = this.#secondsPerLlm(
    'mcpd_inference_queue_seconds',
    'Time a request waited for a free LLM or pool member: 0 for one given a slot at once, and waits that ended without one (503, the caller gone) too',
    [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
  );

  readonly inFlight = new Gauge({
    name: 'mcpd_inference_in_flight',
    help: 'Inference requests open now: being answered, or waiting for a slot or a wake (mcpd_queue_depth counts those waiting for a slot)',
    registers: [this.registry],
  });

  readonly auditDropped = new Counter({
    name: 'mcpd_audit_records_lost_total',
    help: 'Audit records that could not be stored',
    registers: [this.registry],
  });

  #sources: StateSources | undefined;
  /** Observations waiting for their name to be looked up; a scrape waits for them. */
  readonly #pending = new Set<Promise<void>>();

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Gauges read at scrape time from whoever knows them (the queue, the hub, the database). */
  observeState(sources: StateSources): void {
    this.#sources = sources;
    new Gauge({
      name: 'mcpd_queue_depth',
      help: 'Requests waiting for a free LLM or pool member',
      registers: [this.registry],
      collect() {
        this.set(sources.queued());
      },
    });
    new Gauge({
      name: 'mcpd_provider_sessions_connected',
      help: 'mcplocal control streams open on this replica',
      registers: [this.registry],
      collect() {
        this.set(sources.connectedSessions());
      },
    });
    new Gauge({
      name: 'mcpd_llms',
      help: 'LLM rows by kind and status',
      labelNames: ['kind', 'status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { kind, status, count } of await sources.llmCounts()) this.set({ kind, status }, count);
      },
    });
  }

  /** Counts a request under its name when that name is in the registry, else under `_unknown`. */
  observeInference(observation: InferenceObservation): void {
    if (observation.served) {
      this.#count(observation.name, observation);
      return;
    }
    const observed = this.#labelOf(observation.name).then((llm) => this.#count(llm, observation));
    this.#pending.add(observed);
    void observed.finally(() => this.#pending.delete(observed));
  }

  /** The Prometheus text of every metric, once the observations made so far are in. */
  async render(): Promise<string> {
    await Promise.all(this.#pending);
    return this.registry.metrics();
  }

  /** A histogram of seconds labelled by LLM name, on this registry. */
  #secondsPerLlm(name: string, help: string, buckets: number[]): Histogram<'llm'> {
    return new Histogram({ name, help, labelNames: ['llm'] as const, buckets, registers: [this.registry] });
  }

  #count(llm: string, { status, latencyMs, firstTokenMs, queueMs }: InferenceObservation): void {
    this.inferenceRequests.inc({ llm, status: String(status) });
    this.inferenceDuration.observe({ llm }, latencyMs / 1000);
    if (firstTokenMs !== null) this.firstToken.observe({ llm }, firstTokenMs / 1000);
    if (queueMs !== null) this.queueWait.observe({ llm }, queueMs / 1000);
  }

  async #labelOf(name: string): Promise<string> {
    if (!this.#sources || name.length > MAX_NAME_LENGTH) return UNKNOWN_LLM_LABEL;
    try {
      return (await this.#sources.nameExists(name)) ? name : UNKNOWN_LLM_LABEL;
    } catch {
      // The registry could not be asked (database down): the request still counts.
      return UNKNOWN_LLM_LABEL;
    }
  }
}
