import { readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import { anthropicStreamEventSchema, type AnthropicStreamEvent } from '@mcpctl/protocol';

/**
 * The events of a recorded Anthropic SSE stream in `fixtures/`, parsed the way mcpd reads
 * the upstream: SSE frames, then the protocol's event schema.
 */
export function readAnthropicEvents(fixture: string): AnthropicStreamEvent[] {
  const text = readFileSync(new URL(`./fixtures/${fixture}`, import.meta.url), 'utf8');
  const events: AnthropicStreamEvent[] = [];
  const parser = createParser({
    onEvent: (message) => {
      const event = anthropicStreamEventSchema.parse(JSON.parse(message.data));
      if (message.event !== event.type) throw new Error(`SSE event name ${message.event ?? '(none)'} does not match ${event.type}`);
      events.push(event);
    },
  });
  parser.feed(text);
  return events;
}
