import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** A received SSE event and when it arrived (performance.now()). */
export interface TimedEvent extends EventSourceMessage {
  at: number;
}

/** Every SSE event of a response body, in order. */
export async function readSseEvents(response: Response): Promise<TimedEvent[]> {
  const events: TimedEvent[] = [];
  const parser = createParser({ onEvent: (event) => events.push({ ...event, at: performance.now() }) });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
  }
  return events;
}

/** The text received before the body ended or failed, and the failure if it did. */
export async function readUntilEnd(response: Response): Promise<{ text: string; error: unknown }> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
}
