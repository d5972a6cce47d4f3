import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A model server speaking OpenAI's chat dialect whose streamed answers send their first token,
 * then hold the rest until the test calls `release`: an answer stays in flight exactly as long as
 * the test needs it to, however slow the machine. Answers that do not stream are whole at once.
 */
export class HeldUpstream {
  /** Streamed answers under way, waiting for `release`. */
  private readonly held = new Set<() => void>();
  private baseUrl: string | undefined;
  private answered = 0;
  private readonly server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (piece: string) => (text += piece));
    request.on('end', () => void this.answer(request, response, text));
  });

  static async start(): Promise<HeldUpstream> {
    const upstream = new HeldUpstream();
    await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
    upstream.baseUrl = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
    return upstream;
  }

  /** `http://HOST:PORT`: the provider's `url`. */
  get url(): string {
    if (!this.baseUrl) throw new Error('the held upstream is not listening');
    return this.baseUrl;
  }

  /** Streamed answers waiting for `release`. */
  get holding(): number {
    return this.held.size;
  }

  /** Lets every held answer finish. */
  release(): void {
    for (const finish of [...this.held]) finish();
  }

  close(): Promise<void> {
    this.release();
    return new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private async answer(request: IncomingMessage, response: ServerResponse, text: string): Promise<void> {
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(text) as { stream?: boolean };
    const id = `chatcmpl-${++this.answered}`;
    const created = Math.floor(Date.now() / 1000);
    if (body.stream !== true) {
      const completion = {
        id,
        object: 'chat.completion',
        created,
        model: 'fake-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi bob' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
      return;
    }
    const frame = (delta: Record<string, string>, finishReason: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: 'fake-model', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(frame({ role: 'assistant', content: 'Hi' }, null));
    await new Promise<void>((resolve) => {
      const finish = () => {
        this.held.delete(finish);
        resolve();
      };
      this.held.add(finish);
      response.once('close', finish);
    });
    if (response.destroyed) return;
    response.write(frame({ content: ' alice' }, null));
    response.write(frame({}, 'stop'));
    response.end('data: [DONE]\n\n');
  }
}
