/**
 * `response` with a body that fails with `stalled()` once `idleMs` pass without a byte of it: the
 * timeout that bounds the wait for an answer's head bounds each silence of its body too. A proxy
 * that sent the head and then hung would otherwise hold a command (a CI step) for good.
 */
export function withIdleBody(response: Response, idleMs: number, stalled: () => Error): Response {
  if (response.body === null) return response;
  const source: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
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
    cancel: (reason) => source.cancel(reason),
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
