/**
 * `response` with a body that fails with `stalled()` once `idleMs` pass without a byte of it: the
 * timeout that bounds the wait for an answer's head bounds each silence of its body too. A proxy
 * that sent the head and then hung would otherwise hold a command (a CI step) for good.
 */
export function withIdleBody(response: Response, idleMs: number, stalled: () => Error): Response {
  const { body: original } = response;
  if (original === null) return response;
  // Taken at the first read, so an answer the constructor refuses below keeps its body whole.
  let source: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      source ??= original.getReader();
      let timer: NodeJS.Timeout | undefined;
      const silence = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(stalled()), idleMs);
      });
      try {
        const read: Awaited<ReturnType<typeof source.read>> = await Promise.race([source.read(), silence]);
        if (read.done) controller.close();
        else controller.enqueue(read.value);
      } catch (error) {
        // The connection is of no further use: let it go rather than wait for the rest.
        source.cancel().catch(() => undefined);
        controller.error(error);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: (reason) => (source ?? original).cancel(reason),
  });
  try {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  } catch {
    // fetch takes answers the constructor refuses (a status past 599, a reason phrase with a
    // control character, as a proxy may send): such a body goes unwatched rather than the answer
    // be taken for an unreachable server.
    return response;
  }
}
