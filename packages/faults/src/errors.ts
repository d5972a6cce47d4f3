/** The fault suite could not set up what a scenario measures (a process would not start, a setup call failed). */
export class FaultError extends Error {
  override readonly name = 'FaultError';
}

/** A bad command line: the message says which flag, and the process exits with code 2. */
export class FaultUsageError extends Error {
  override readonly name = 'FaultUsageError';
}
