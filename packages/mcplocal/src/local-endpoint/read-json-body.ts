import type { IncomingMessage } from 'node:http';
import { LocalEndpointError, McplocalError } from '../errors.js';

export interface JsonBody {
  /** The bytes as sent, so a forwarded body reaches mcpd untouched. */
  text: string;
  value: unknown;
}

/**
 * Reads a request body of at most `limitBytes` and parses it as JSON. A declared or actual
 * size past the limit stops reading at once (413); the connection is then closed with the answer
 * rather than drained.
 */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<JsonBody> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const text = await readText(request, limitBytes);
  if (text.trim() === '') throw new LocalEndpointError(400, 'the body is empty: send an OpenAI chat-completions request as JSON');
  try {
    return { text, value: JSON.parse(text) as unknown };
  } catch (error) {
    throw new LocalEndpointError(400, 'the body is not valid JSON', { cause: error });
  }
}

function readText(request: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: Error | undefined) => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) {
        request.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) settle(tooLarge(limitBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => settle(undefined);
    const onError = (error: Error) => settle(new McplocalError('the request body could not be read', { cause: error }));
    const onClose = () => settle(new McplocalError('the caller went away while sending the body'));
    request.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

function tooLarge(limitBytes: number): LocalEndpointError {
  return new LocalEndpointError(413, `the body is larger than ${limitBytes} bytes`);
}
