import { and, asc, count, desc, eq, notExists } from 'drizzle-orm';
import { threadMessages, threads, type Database, type ThreadMessageRow, type ThreadRow } from '@mcpctl/db';
import { isForeignKeyViolation } from './unique-violation.js';

export interface ThreadSummary extends ThreadRow {
  messageCount: number;
}

export interface NewThreadMessage {
  role: string;
  /** Its text: what a listing of the thread shows. */
  content: string;
  /** What a replay needs beside the text (`tool_calls`, `tool_call_id`, `name`, content parts). */
  extra?: Record<string, unknown> | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
}

export class ThreadRepository {
  constructor(private readonly db: Database) {}

  async insert(thread: { id: string; userId: string; agentName: string; agentId: string; title: string | null; at: Date }): Promise<void> {
    await this.db.insert(threads).values({
      id: thread.id,
      userId: thread.userId,
      agentName: thread.agentName,
      agentId: thread.agentId,
      title: thread.title,
      createdAt: thread.at,
      updatedAt: thread.at,
    });
  }

  async countOwn(userId: string): Promise<number> {
    const [row] = await this.db.select({ held: count() }).from(threads).where(eq(threads.userId, userId));
    return row?.held ?? 0;
  }

  async findOwn(id: string, userId: string): Promise<ThreadRow | undefined> {
    const [row] = await this.db.select().from(threads).where(and(eq(threads.id, id), eq(threads.userId, userId))).limit(1);
    return row;
  }

  async listOwn(userId: string): Promise<ThreadSummary[]> {
    const rows = await this.db
      .select({ thread: threads, messageCount: count(threadMessages.id) })
      .from(threads)
      .leftJoin(threadMessages, eq(threadMessages.threadId, threads.id))
      .where(eq(threads.userId, userId))
      .groupBy(threads.id)
      .orderBy(desc(threads.updatedAt));
    return rows.map((row) => ({ ...row.thread, messageCount: row.messageCount }));
  }

  async messages(threadId: string): Promise<ThreadMessageRow[]> {
    return this.db.select().from(threadMessages).where(eq(threadMessages.threadId, threadId)).orderBy(asc(threadMessages.id));
  }

  /**
   * Appends an exchange in one statement and touches the thread; answers false when the thread
   * was deleted meanwhile (its user deleted it during the answer): nothing is stored then.
   */
  async append(threadId: string, messages: NewThreadMessage[], at: Date): Promise<boolean> {
    if (messages.length === 0) return true;
    try {
      await this.#insertMessages(threadId, messages, at);
      return true;
    } catch (error) {
      if (isForeignKeyViolation(error)) return false;
      throw error;
    }
  }

  async #insertMessages(threadId: string, messages: NewThreadMessage[], at: Date): Promise<void> {
    await this.db.insert(threadMessages).values(
      messages.map((message, index) => ({
        threadId,
        role: message.role,
        content: message.content,
        extra: message.extra ?? null,
        promptTokens: message.promptTokens ?? null,
        completionTokens: message.completionTokens ?? null,
        // Same instant for the exchange, in order by id.
        createdAt: new Date(at.getTime() + index),
      })),
    );
    await this.db.update(threads).set({ updatedAt: at }).where(eq(threads.id, threadId));
  }

  /** Deletes the thread when it holds no message (a chat that started it failed); answers whether it did. */
  async deleteIfEmpty(id: string): Promise<boolean> {
    const held = this.db.select({ id: threadMessages.id }).from(threadMessages).where(eq(threadMessages.threadId, id)).limit(1);
    return (await this.db.delete(threads).where(and(eq(threads.id, id), notExists(held))).returning({ id: threads.id })).length > 0;
  }

  async deleteOwn(id: string, userId: string): Promise<boolean> {
    return (await this.db.delete(threads).where(and(eq(threads.id, id), eq(threads.userId, userId))).returning({ id: threads.id })).length > 0;
  }
}
