import type { ProviderTaskRead } from '@mcpctl/protocol';

export type InferTaskRead = Extract<ProviderTaskRead, { kind: 'infer' }>;

/**
 * A task frame's JSON read as an `infer` task, as `providerTaskReadSchema` reads one, checked by
 * hand: one comes with every request mcpd relays, and the schema's walk of it costs more than the
 * rest of its handling. Undefined for anything else (another kind, a malformed task), which the
 * schema then reads, and whose faults it words.
 */
export function readInferTask(json: unknown): InferTaskRead | undefined {
  if (!isRecord(json) || json.kind !== 'infer') return undefined;
  const { taskId, llmName, request, streaming } = json;
  if (typeof taskId !== 'string' || typeof llmName !== 'string' || !isRecord(request)) return undefined;
  // The schema drops an own `__proto__` key where a copy would keep it: such a task is the schema's.
  if (Object.hasOwn(json, '__proto__') || Object.hasOwn(request, '__proto__')) return undefined;
  if (streaming !== undefined && streaming !== null && typeof streaming !== 'boolean') return undefined;
  return { ...json, kind: 'infer', taskId, llmName, request, streaming: streaming ?? false };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
