import type { StreamedChunk } from '@mcpctl/protocol';

/** True when a choice of the chunk carries something the caller sees: text, reasoning or a tool call. */
export function hasOutput(chunk: Pick<StreamedChunk, 'choices'>): boolean {
  return chunk.choices.some(({ delta }) => Boolean(delta.content) || Boolean(delta.reasoning_content) || Boolean(delta.tool_calls?.length) || Boolean((delta as { reasoning?: unknown }).reasoning));
}

/**
 * `content`, `reasoning_content` or `reasoning` with a non-empty string, or `tool_calls` with an
 * entry. Text inside a JSON string cannot match, its quotes being escaped; `logprobs.content` is
 * an array, not a string.
 */
const OUTPUT_IN_TEXT = /"(?:content|reasoning_content|reasoning)"\s*:\s*"(?!")|"tool_calls"\s*:\s*\[\s*\{/;

/**
 * {@link hasOutput} read off a chunk's JSON text, for a chunk a peek found nothing else to read
 * in: the first token is timed without parsing the frames before it. Like it, it looks at every
 * choice: output in any of them is the answer's first token.
 */
export function textHasOutput(json: string): boolean {
  return OUTPUT_IN_TEXT.test(json);
}
