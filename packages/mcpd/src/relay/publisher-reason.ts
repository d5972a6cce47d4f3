/**
 * A publisher's error result as mcpd's own message quotes it. mcplocal names the LLM before a
 * failure that does not (`NAME: cannot reach provider …`); mcpd's message names it already.
 */
export function publisherReason(error: string, llmName: string): string {
  return error.startsWith(`${llmName}: `) ? error.slice(llmName.length + 2) : error;
}
