/** What a publisher relays in the tests: OpenAI chat shapes as a local server writes them. */

/** One `chat.completion.chunk`, as the JSON text a result's `chunk.data` carries. */
export function chatChunk(content: string | null, finish: string | null = null): string {
  return JSON.stringify({
    id: 'chatcmpl-relay',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'local',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  });
}

/** A whole `chat.completion` answering `content`, with usage 3 + 2 tokens. */
export function chatCompletion(content: string) {
  return {
    id: 'chatcmpl-relay',
    object: 'chat.completion',
    created: 1,
    model: 'local',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  };
}
