import { llmViewSchema, type LlmView, type ProviderTransport } from '@mcpctl/protocol';
import { BenchError } from './errors.js';

/** Where mcpd listens and the token the bench reads its LLM views with. */
export interface McpdAccess {
  url: string;
  token: string;
}

const POLL_INTERVAL_MS = 100;

/** mcpd's view of one LLM, as `mcpctl describe llm` reads it. */
export async function readLlmView(mcpd: McpdAccess, name: string): Promise<LlmView> {
  let response: Response;
  try {
    response = await fetch(`${mcpd.url}/api/v1/llms/${encodeURIComponent(name)}`, {
      headers: { authorization: `Bearer ${mcpd.token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new BenchError(`cannot read the LLM ${name} from mcpd`, { cause: error });
  }
  if (!response.ok) throw new BenchError(`mcpd answered ${response.status} to reading the LLM ${name}: ${await response.text()}`);
  return llmViewSchema.parse(await response.json());
}

/**
 * Waits until the published LLM is active with its control connection open, and answers the
 * transport that connection uses as mcpd reports it: the report names what the session really
 * used, whatever the publisher was asked to use.
 */
export async function waitForOpenSession(
  mcpd: McpdAccess,
  name: string,
  timeoutMs: number,
  publisherGone: () => string | undefined = () => undefined,
): Promise<ProviderTransport | null> {
  const deadline = performance.now() + timeoutMs;
  let last = 'not yet published';
  for (;;) {
    // A publisher that exited (it refused its transport, say) will not open a session: say so now, not at the deadline.
    const gone = publisherGone();
    if (gone !== undefined) throw new BenchError(`the publisher of ${name} ${gone}`);
    try {
      const view = await readLlmView(mcpd, name);
      if (view.status === 'active' && view.providerSession?.connected) return view.providerSession.transport;
      last = `${view.status}, control connection ${view.providerSession?.connected ? 'open' : 'not open'}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (performance.now() >= deadline) throw new BenchError(`${name} was not active with an open control connection within ${timeoutMs} ms (${last})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** The transport the LLM's session uses now; null when mcpd says none is open. */
export async function sessionTransport(mcpd: McpdAccess, name: string): Promise<ProviderTransport | null> {
  return (await readLlmView(mcpd, name)).providerSession?.transport ?? null;
}
