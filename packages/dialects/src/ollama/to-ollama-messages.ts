import type { ChatMessage, OllamaMessage } from '@mcpctl/protocol';
import { parseToolArguments } from '../parse-tool-arguments.js';
import { readBase64DataUrl, readContentPart } from '../read-content-part.js';
import { TranslationError } from '../translation-error.js';

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
        const toolCalls = calls.map((call) => ({ function: { name: call.function.name, arguments: parseToolArguments(call.function.arguments) } }));
        return { role: 'assistant', content: text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
      }
      case 'tool': {
        const toolName = message.tool_call_id === undefined ? undefined : toolNames.get(message.tool_call_id);
        return { role: 'tool', content: text, ...(toolName !== undefined ? { tool_name: toolName } : {}) };
      }
      case 'function':
        throw new TranslationError('legacy "function" messages cannot be sent to an Ollama model; use tool_calls and "tool" messages');
    }
  });
}

function toOllamaContent(content: ChatMessage['content']): { text: string; images: string[] } {
  if (content === null || content === undefined) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  for (const part of content) {
    const read = readContentPart(part);
    if (read?.type === 'text') texts.push(read.text);
    else if (read?.type === 'image') images.push(imageData(read.url));
    else throw new TranslationError(`a content part of type "${part.type}" cannot be sent to an Ollama model`);
  }
  return { text: texts.join('\n'), images };
}

/* Ollama takes the base64 payload of a `data:` URL alone, and cannot fetch a URL itself. */
function imageData(url: string): string {
  const data = readBase64DataUrl(url);
  if (!data) throw new TranslationError('an image for an Ollama model must be a base64 data: URL');
  return data.data;
}
