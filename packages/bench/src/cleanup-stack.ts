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

  add(name: string, run: () => Promise<void>): void {
    this.#steps.push({ name, run });
  }

  /** Registers a child for the last-resort SIGKILL at exit; its orderly stop is a separate `add`. */
  track(child: ChildProcess): void {
    // The exit listener is on only while children are: a run of many stacks (one per fault
    // scenario) would otherwise pile listeners up on the process.
    if (this.#children.size === 0) process.once('exit', this.#killLeftovers);
    this.#children.add(child);
    child.once('exit', () => {
      this.#children.delete(child);
      if (this.#children.size === 0) process.off('exit', this.#killLeftovers);
    });
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
    return failures;
  }
}
