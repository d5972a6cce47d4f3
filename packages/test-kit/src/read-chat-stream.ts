/** The parts of an OpenAI chat.completion.chunk a test reads. */
interface ChunkLike {
  choices: Array<{ delta?: { content?: string | null } | undefined; finish_reason?: string | null } | undefined>;
}

export interface ReadChatStream {
  text: string;
  finishReasons: string[];
  chunks: number;
  /** Chunks with no choice: usage chunks. */
  choicelessChunks: number;
  /** Milliseconds from `startedAt` to the first chunk with content. */
  firstTokenMs: number | undefined;
  /** Milliseconds from `startedAt` to the end of the stream. */
  totalMs: number;
}

/** Drains a streamed completion (e.g. the `openai` client's), timing its first token. */
export async function readChatStream(stream: AsyncIterable<ChunkLike>, startedAt = performance.now()): Promise<ReadChatStream> {
  let text = '';
  let chunks = 0;
  let choicelessChunks = 0;
  let firstTokenMs: number | undefined;
  const finishReasons: string[] = [];
  for await (const chunk of stream) {
    chunks += 1;
    if (chunk.choices.length === 0) choicelessChunks += 1;
    const choice = chunk.choices[0];
    const content = choice?.delta?.content;
    if (content) {
      firstTokenMs ??= performance.now() - startedAt;
      text += content;
    }
    if (choice?.finish_reason) finishReasons.push(choice.finish_reason);
  }
  return { text, finishReasons, chunks, choicelessChunks, firstTokenMs, totalMs: performance.now() - startedAt };
}
