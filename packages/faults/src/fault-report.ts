/** One measured figure beside its target. */
export interface Figure {
  /** What was measured, e.g. "streams finished on SIGTERM". */
  name: string;
  /** What came out, for a person: "10/10", "1.2 s, 503", "refused". */
  measured: string;
  /** What it should be: "10/10", "≤ 1 s, 503". */
  target: string;
  met: boolean;
}

export interface ScenarioResult {
  /** The item of issue 10 the scenario measures (5–13). */
  item: number;
  title: string;
  /** Where the scenario departs from the defaults, and why: shortened timeouts, forced GC. */
  settings: string[];
  figures: Figure[];
  /** Why the scenario could not finish (setup failed, ran out of time); a failure is a miss. */
  failure: string | undefined;
  seconds: number;
  /** Every figure met its target and nothing failed. */
  met: boolean;
}

export interface FaultReport {
  command: string;
  startedAt: string;
  seconds: number;
  results: ScenarioResult[];
  /** Scenarios that met all their targets. */
  passed: number;
  failed: number;
}
