import { openAiErrorSchema } from '@mcpctl/protocol';

/** Whole SSE events split at the first one that carries data: the comments before it, it, and the rest. */
export interface AtFirstEvent {
  before: string;
  /** The first event with data, undefined when the text holds none yet. */
  event: string | undefined;
  data: string | undefined;
  after: string;
}

/** Splits whole SSE events (as `WholeEvents` hands them on) at the first event with a `data` line. */
export function splitAtFirstEvent(text: string): AtFirstEvent {
  const ends = /\r?\n\r?\n/g;
  let start = 0;
  for (let match = ends.exec(text); match; match = ends.exec(text)) {
    const end = match.index + match[0].length;
    const lines = text.slice(start, match.index).split(/\r?\n/);
    const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    if (data.length > 0) return { before: text.slice(0, start), event: text.slice(start, end), data: data.join('\n'), after: text.slice(end) };
    start = end;
  }
  return { before: text, event: undefined, data: undefined, after: '' };
}

/**
 * mcpd's error frame of a stream whose answer never began (only `: waiting` or `: waking`
 * comments went before it): it carries the status the failure would have had. Undefined for
 * anything else, an older mcpd's frame without a status included.
 */
export function failureBeforeAnswer(data: string): { status: number; message: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = openAiErrorSchema.safeParse(value);
  const status = parsed.success ? parsed.data.error.status : undefined;
  return parsed.success && status !== undefined && status >= 400 && status <= 599 ? { status, message: parsed.data.error.message } : undefined;
}
