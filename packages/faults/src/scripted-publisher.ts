import {
  PROVIDER_SESSION_HEADER,
  providerRegisterResponseSchema,
  providerTaskSchema,
  type ProviderRegisterRequest,
  type ProviderTask,
} from '@mcpctl/protocol';
import type { McpdAccess } from './chat-caller.js';
import { deadline } from './deadline.js';
import { FaultError } from './errors.js';

/**
 * A publisher that speaks the provider channel of SPEC §4.3 by hand: it registers, holds the SSE
 * control stream and posts whatever result a scenario scripts, including the malformed ones a
 * real mcplocal never sends (mcplocal passes chunks through, so only a scripted publisher can
 * put a broken one on the wire).
 */
export class ScriptedPublisher {
  readonly #tasks: ProviderTask[] = [];
  readonly #waiters: Array<(task: ProviderTask) => void> = [];
  readonly #controller = new AbortController();

  private constructor(
    private readonly access: McpdAccess,
    readonly sessionId: string,
  ) {}

  /** Registers `providers` and opens the control stream; resolves once the stream is open. */
  static async connect(access: McpdAccess, providers: ProviderRegisterRequest['providers']): Promise<ScriptedPublisher> {
    const registered = await postJson(access, '/api/v1/llms/_provider-register', { providers });
    if (registered.status !== 201) throw new FaultError(`mcpd answered the scripted registration with ${registered.status}: ${registered.text}`);
    const { providerSessionId } = providerRegisterResponseSchema.parse(JSON.parse(registered.text));
    const publisher = new ScriptedPublisher(access, providerSessionId);
    const response = await fetch(`${access.url}/api/v1/llms/_provider-stream`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${access.token}`, [PROVIDER_SESSION_HEADER]: providerSessionId },
      signal: publisher.#controller.signal,
    });
    if (response.status !== 200 || !response.body) throw new FaultError(`mcpd answered the scripted control stream with ${response.status}`);
    void publisher.#read(response.body).catch(() => undefined);
    return publisher;
  }

  /** The next `infer` task mcpd sends, or undefined after `timeoutMs`. */
  nextTask(timeoutMs: number): Promise<ProviderTask | undefined> {
    const queued = this.#tasks.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(take);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve(undefined);
      }, timeoutMs);
      const take = (task: ProviderTask) => {
        clearTimeout(timer);
        resolve(task);
      };
      this.#waiters.push(take);
    });
  }

  /** Posts `result` as it is, valid or not; answers mcpd's status. */
  async post(taskId: string, result: unknown): Promise<number> {
    return (await postJson(this.access, `/api/v1/llms/_provider-task/${encodeURIComponent(taskId)}/result`, result)).status;
  }

  close(): void {
    this.#controller.abort();
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const piece of body) {
      buffer += decoder.decode(piece, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event !== 'task' || data === undefined) continue;
        const task = providerTaskSchema.parse(JSON.parse(data));
        if (task.kind !== 'infer') continue;
        const waiter = this.#waiters.shift();
        if (waiter) waiter(task);
        else this.#tasks.push(task);
      }
    }
  }
}

async function postJson(access: McpdAccess, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const limit = deadline(15_000);
  try {
    const response = await fetch(`${access.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: limit.signal,
    });
    return { status: response.status, text: await response.text() };
  } finally {
    limit.clear();
  }
}
