import { sendProviderRequest, type ProviderHttpRequest } from '../provider-http.js';

/** Where vLLM answers `GET /is_sleeping`: the server root, beside the `/v1` API. */
export function vllmSleepStateUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}/is_sleeping`;
}

/**
 * True only when the server says its engine sleeps, as vLLM started with `--enable-sleep-mode`
 * and `VLLM_SERVER_DEV_MODE=1` does. vLLM keeps listing its models while asleep yet fails the
 * next completion, so the model list alone cannot tell. Any other answer (the 404 of a server
 * without the route, an error, a body of another shape) says nothing and counts as awake.
 */
export async function reportsSleeping(request: ProviderHttpRequest): Promise<boolean> {
  try {
    const response = await sendProviderRequest(request);
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null && (body as { is_sleeping?: unknown }).is_sleeping === true;
  } catch {
    return false;
  }
}
