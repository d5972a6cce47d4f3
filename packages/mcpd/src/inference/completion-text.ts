/** The assistant text of a `chat.completion` JSON answer (empty when it has none). */
export function completionText(json: string): string {
  try {
    const content = (JSON.parse(json) as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
    return typeof content === 'string' ? content : '';
  } catch {
    return '';
  }
}

/** The tool calls of a `chat.completion` JSON answer's message; undefined when it called none. */
export function completionToolCalls(json: string): unknown[] | undefined {
  try {
    const calls = (JSON.parse(json) as { choices?: Array<{ message?: { tool_calls?: unknown } }> }).choices?.[0]?.message?.tool_calls;
    return Array.isArray(calls) && calls.length > 0 ? calls : undefined;
  } catch {
    return undefined;
  }
}
