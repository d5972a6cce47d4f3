/** The assistant text of a `chat.completion` JSON answer (empty when it has none). */
export function completionText(json: string): string {
  try {
    const content = (JSON.parse(json) as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
    return typeof content === 'string' ? content : '';
  } catch {
    return '';
  }
}
