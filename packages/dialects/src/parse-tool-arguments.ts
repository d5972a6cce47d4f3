/**
 * The `arguments` JSON string of an earlier OpenAI tool call as the object Anthropic
 * (`tool_use.input`) and Ollama (`tool_calls[].function.arguments`) want. Models do emit
 * truncated or malformed JSON (e.g. a turn cut by `max_tokens`), and clients send that history
 * back verbatim; both servers reject arguments that are not an object, which would make the
 * whole conversation unusable. So such arguments become `{}`: the matching tool result still
 * tells the model what happened.
 */
export function parseToolArguments(argumentsJson: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(argumentsJson);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
    return {};
  } catch {
    return {};
  }
}
