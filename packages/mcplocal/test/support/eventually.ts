/**
 * Resolves once `check` holds, letting promises, I/O and the event loop run between looks; it
 * never moves a manual clock, so a test sees exactly what the time it set allows. Fails after 5 s.
 */
export async function eventually(what: string, check: () => boolean): Promise<void> {
  const giveUpAt = performance.now() + 5_000;
  while (!check()) {
    if (performance.now() > giveUpAt) throw new Error(`still waiting after 5 s for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
