import type { LlmCreate } from '@mcpctl/protocol';
import { BenchError } from './errors.js';

/** Creates a public LLM in mcpd with the admin token. */
export async function registerLlm(mcpdUrl: string, token: string, llm: LlmCreate): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${mcpdUrl}/api/v1/llms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(llm),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new BenchError(`cannot register the LLM ${llm.name} in mcpd`, { cause: error });
  }
  if (response.status !== 201) {
    throw new BenchError(`mcpd answered ${response.status} to registering the LLM ${llm.name}: ${await response.text()}`);
  }
}
