import { ollamaTagListSchema } from '@mcpctl/protocol';
import { fetchProviderJson, type ProviderHttpRequest } from '../provider-http.js';

/**
 * False only when Ollama's list of loaded models (`GET /api/ps`, the same shape as `/api/tags`)
 * answers and leaves `model` out: the model was unloaded when its `keep_alive` ran out, and the
 * next request waits for it to load again. A server without the route, or an error, says nothing
 * and counts as loaded.
 */
export async function isModelLoaded(request: ProviderHttpRequest, model: string): Promise<boolean> {
  let loaded: Array<{ name: string; model?: string | undefined }>;
  try {
    loaded = (await fetchProviderJson(request, ollamaTagListSchema, 'list of loaded models')).models;
  } catch {
    return true;
  }
  const wanted = withTag(model);
  return loaded.some((entry) => withTag(entry.name) === wanted || (entry.model !== undefined && withTag(entry.model) === wanted));
}

/** Ollama names a model without a tag `NAME:latest`. */
function withTag(name: string): string {
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? name : `${name}:latest`;
}
