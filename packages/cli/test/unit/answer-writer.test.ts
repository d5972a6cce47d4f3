import { describe, expect, it } from 'vitest';
import { AnswerWriter } from '../../src/chat/answer-writer.js';
import { CapturedStream } from '../helpers/captured-stream.js';

describe('an answer written as it arrives', () => {
  const answer = 'Here:\u001b]52;c;ZXZpbA==\u0007\u001b[2J done\n\tindented';

  it('shows the control characters of a model’s text written out on a terminal, newlines and tabs kept', () => {
    const out = new CapturedStream({ isTTY: true });
    const writer = new AnswerWriter(out);
    writer.content(answer);
    writer.end();
    expect(out.text).toBe('Here:\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J done\n\tindented\n');
  });

  it('takes a CRLF line end on a terminal for a line end', () => {
    const out = new CapturedStream({ isTTY: true });
    const writer = new AnswerWriter(out);
    writer.content('one\r\ntwo\r\n');
    writer.end();
    expect(out.text).toBe('one\ntwo\n');
  });

  it('hands a pipe the text as the model wrote it', () => {
    const out = new CapturedStream();
    const writer = new AnswerWriter(out);
    writer.content(answer);
    writer.end();
    expect(out.text).toBe(`${answer}\n`);
  });
});
