/**
 * Resolves once `check` holds, looking again after every turn of the event loop, so the I/O the
 * condition waits on runs in between. It never waits for a fixed time: a loaded machine makes it
 * slower, never wrong; a condition that never comes is ended by the test's own timeout. For state
 * of the server under test that no event announces (a row's status, a queue's length).
 */
export async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise<void>((resolve) => setImmediate(resolve));
}
