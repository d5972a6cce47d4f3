import type { ChatMessage, OllamaMessage } from '@mcpctl/protocol';
import { ProviderError } from '../../errors.js';

// `data:image/png;base64,AAAA`: Ollama takes the base64 part alone.
const BASE64_DATA_URL = /^data:[^,]*;base64,(.*)$/s;

/**
 * An OpenAI conversation in Ollama's native shape: content as plain text plus base64
 * `images`, tool-call arguments as objects, and tool results naming their tool (Ollama has
 * no call ids; the name is found from the assistant turn that made the call).
 */
export function toOllamaMessages(messages: ChatMessage[]): OllamaMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((message): OllamaMessage => {
    const { text, images } = toOllamaContent(message.content);
    const withImages = images.length > 0 ? { images } : {};
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: text };
      case 'user':
        return { role: 'user', content: text, ...withImages };
      case 'assistant': {
        const calls = message.tool_calls ?? [];
        for (const call of calls) toolNames.set(call.id, call.function.name);
        const toolCalls = calls.map((call) => ({ function: { name: call.function.name, arguments: parseArguments(call.function.arguments) } }));
        return { role: 'assistant', content: text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
      }
      case 'tool': {
        const toolName = message.tool_call_id === undefined ? undefined : toolNames.get(message.tool_call_id);
        return { role: 'tool', content: text, ...(toolName !== undefined ? { tool_name: toolName } : {}) };
      }
      case 'function':
        throw new ProviderError(400, 'legacy "function" messages cannot be sent to an Ollama model; use tool_calls and "tool" messages');
    }
  });
}

function toOllamaContent(content: ChatMessage['content']): { text: string; images: string[] } {
  if (content === null || content === undefined) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  for (const part of content) {
    if (part.type === 'text' && typeof part['text'] === 'string') texts.push(part['text']);
    else if (part.type === 'image_url') images.push(imageData(part['image_url']));
    else throw new ProviderError(400, `a content part of type "${part.type}" cannot be sent to an Ollama model`);
  }
  return { text: texts.join('\n'), images };
}

function imageData(image: unknown): string {
  // Some clients send the URL as a bare string rather than `{url, detail}`.
  const url = typeof image === 'string' ? image : (image as { url?: unknown } | undefined)?.url;
  const data = typeof url === 'string' ? BASE64_DATA_URL.exec(url) : null;
  if (!data) throw new ProviderError(400, 'an image for an Ollama model must be a base64 data: URL');
  return data[1] ?? '';
}

/** Malformed arguments (a turn cut by the token limit) become `{}`: Ollama wants an object. */
function parseArguments(argumentsJson: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(argumentsJson);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
