import { fetchProviderJson, type ProviderHttpRequest, type ResponseSchema } from '../provider-http.js';
import { urlRoot } from '@mcpctl/dialects';

/** Any JSON object: the one field read is checked where it is read. */
const sleepStateSchema: ResponseSchema<{ is_sleeping?: unknown }> = {
  safeParse: (value) =>
    typeof value === 'object' && value !== null
      ? { success: true, data: value }
      : { success: false, error: { issues: [{ path: [], message: 'not an object' }] } },
};

/** Where vLLM answers `GET /is_sleeping`: the server root, beside the `/v1` API. */
export function vllmSleepStateUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  // The root keeps a `user:pass@`: a server behind Basic authorization answers the probe too.
  return `${urlRoot(url)}${path}/is_sleeping`;
}

/**
 * True only when the server says its engine sleeps, as vLLM started with `--enable-sleep-mode`
 * and `VLLM_SERVER_DEV_MODE=1` does. vLLM keeps listing its models while asleep yet fails the
 * next completion, so the model list alone cannot tell. Any other answer (the 404 of a server
 * without the route, an error, a body of another shape) says nothing and counts as awake.
 */
export async function reportsSleeping(request: ProviderHttpRequest): Promise<boolean> {
  try {
    const body = await fetchProviderJson(request, sleepStateSchema, 'sleep state');
    return body.is_sleeping === true;
  } catch {
    return false;
  }
}
