/** A bad command line: the message says which flag, and the process exits with code 2. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/** The benchmark could not set up or run what it measures: a process would not start, a path answered wrongly. */
export class BenchError extends Error {
  override readonly name = 'BenchError';
}
