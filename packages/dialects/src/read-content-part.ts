import { z } from 'zod';
import type { ChatMessage } from '@mcpctl/protocol';

/** One part of an OpenAI message's content. */
export type ChatContentPart = Exclude<ChatMessage['content'], string | null | undefined>[number];

/** What a content part carries for a dialect that takes only text and images. */
export type ReadContentPart = { type: 'text'; text: string } | { type: 'image'; url: string };

// The protocol keeps content parts loose (mcpd passes most of them through); these read the
// few fields a translation needs.
const textPartSchema = z.object({ type: z.literal('text'), text: z.string() });
// A refusal is an earlier assistant turn's text; sent back, it is text like any other.
const refusalPartSchema = z.object({ type: z.literal('refusal'), refusal: z.string() });
const imagePartSchema = z.object({
  type: z.literal('image_url'),
  // Some clients send the URL as a bare string rather than `{url, detail}`.
  image_url: z.union([z.string(), z.object({ url: z.string() })]),
});

/** The text or image a part carries; undefined for any other part (audio, a file), which the caller refuses. */
export function readContentPart(part: ChatContentPart): ReadContentPart | undefined {
  const text = textPartSchema.safeParse(part);
  if (text.success) return { type: 'text', text: text.data.text };
  const refusal = refusalPartSchema.safeParse(part);
  if (refusal.success) return { type: 'text', text: refusal.data.refusal };
  const image = imagePartSchema.safeParse(part);
  if (image.success) {
    const url = typeof image.data.image_url === 'string' ? image.data.image_url : image.data.image_url.url;
    return { type: 'image', url };
  }
  return undefined;
}

// `data:image/png;base64,AAAA` (parameters such as `;charset=…` may sit before `;base64`).
const base64DataUrlPattern = /^data:([^;,]+)[^,]*;base64,(.*)$/s;

/** The media type and base64 payload of a `data:` URL; undefined for any other URL. */
export function readBase64DataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = base64DataUrlPattern.exec(url);
  return match ? { mediaType: match[1] ?? '', data: match[2] ?? '' } : undefined;
}
