import type { ChildProcess } from 'node:child_process';

interface CleanupStep {
  name: string;
  run: () => Promise<void>;
}

/**
 * Everything the benchmark started, undone in reverse order exactly once, whether the run ends
 * normally, fails or is interrupted. Children still alive when the process exits anyway get
 * SIGKILL, so an uncaught crash cannot leave servers behind.
 */
export class CleanupStack {
  readonly #steps: CleanupStep[] = [];
  readonly #children = new Set<ChildProcess>();
  #running: Promise<string[]> | undefined;

  readonly #killLeftovers = () => {
    for (const child of this.#children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };

  /** The exit listener is on: from the start, and again for a child tracked after the steps ran. */
  #armed = false;

  constructor() {
    this.#arm();
  }

  #arm(): void {
    if (this.#armed) return;
    this.#armed = true;
    process.once('exit', this.#killLeftovers);
  }

  add(name: string, run: () => Promise<void>): void {
    this.#steps.push({ name, run });
  }

  /** Registers a child for the last-resort SIGKILL at exit; its orderly stop is a separate `add`. */
  track(child: ChildProcess): void {
    this.#children.add(child);
    this.#arm();
    child.once('exit', () => this.#children.delete(child));
  }

  /** Runs every step, newest first; resolves with a message per step that failed. */
  runAll(): Promise<string[]> {
    this.#running ??= this.#runSteps();
    return this.#running;
  }

  async #runSteps(): Promise<string[]> {
    const failures: string[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        failures.push(`cannot ${step.name}: ${(error as Error).message}`);
      }
    }
    // One stack per fault scenario: a run of many would otherwise pile up exit listeners.
    if (this.#children.size === 0) {
      process.off('exit', this.#killLeftovers);
      this.#armed = false;
    }
    return failures;
  }
}
