import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface StateSources {
  queued(): number;
  connectedSessions(): number;
  llmCounts(): Promise<Array<{ kind: string; status: string; count: number }>>;
}

/** mcpd's Prometheus metrics, on a registry of its own so several servers can share a process. */
export class McpdMetrics {
  readonly registry = new Registry();

  readonly inferenceRequests = new Counter({
    name: 'mcpd_inference_requests_total',
    help: 'Inference requests by LLM name and answered status',
    labelNames: ['llm', 'status'] as const,
    registers: [this.registry],
  });

  readonly inferenceDuration = new Histogram({
    name: 'mcpd_inference_duration_seconds',
    help: 'Time from request to the end of the answer',
    labelNames: ['llm'] as const,
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
    name: 'mcpd_inference_in_flight',
    help: 'Inference requests being answered now',
    registers: [this.registry],
  });

  readonly auditDropped = new Counter({
    name: 'mcpd_audit_records_lost_total',
    help: 'Audit records that could not be stored',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Gauges read at scrape time from whoever knows them (the queue, the hub, the database). */
  observeState(sources: StateSources): void {
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

  observeInference(llm: string, status: number, latencyMs: number): void {
    this.inferenceRequests.inc({ llm, status: String(status) });
    this.inferenceDuration.observe({ llm }, latencyMs / 1000);
  }
}
