import { createParser } from 'eventsource-parser';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AgentView, LiveLlmView, PoolView } from '@mcpctl/protocol';
import { tokenRefused } from '../api.js';
import { ms } from '../format.js';
import { playgroundModels } from './playground-models.js';

interface Message {
  role: 'user' | 'assistant';
  content: string;
  reasoning?: string;
}

interface Stats {
  firstTokenMs?: number;
  tokensPerSecond?: number;
  waking?: string;
}

interface Chunk {
  choices?: Array<{ delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null } }>;
  usage?: { completion_tokens?: number } | null;
  error?: { message?: string };
}

/** Chat with any model the caller may use, streaming, with the first token's time and the rate. */
export function PlaygroundView({ token, llms, pools, agents }: { token: string; llms: LiveLlmView[] | undefined; pools: PoolView[] | undefined; agents: AgentView[] | undefined }) {
  const [model, setModel] = useState('');
  const [messages, setMessages] = useState<Message[]>([]);
  const [draft, setDraft] = useState('');
  const [stats, setStats] = useState<Stats>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const controller = useRef<AbortController | undefined>(undefined);

  const offered = playgroundModels(llms, pools, agents);
  const ids = offered?.map((entry) => entry.id) ?? [];
  // The first model offered is chosen until the user picks one; a chosen model deleted since
  // stays named, marked gone, rather than the chat quietly going to another.
  const chosen = model || ids[0] || '';
  const gone = offered !== undefined && chosen !== '' && !ids.includes(chosen);
  useEffect(() => () => controller.current?.abort(), []);

  const send = async (event: Event) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text || !chosen || gone || busy) return;
    const history: Message[] = [...messages, { role: 'user', content: text }];
    setMessages([...history, { role: 'assistant', content: '' }]);
    setDraft('');
    setBusy(true);
    setError(undefined);
    setStats({});
    const request = new AbortController();
    controller.current = request;
    const startedAt = performance.now();
    let firstAt: number | undefined;
    let pieces = 0;
    let completionTokens: number | undefined;
    const answer: Message = { role: 'assistant', content: '', reasoning: '' };
    const show = () => setMessages([...history, { ...answer }]);
    try {
      const response = await fetch('/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: chosen, messages: history.map(({ role, content }) => ({ role, content })), stream: true, stream_options: { include_usage: true } }),
        signal: request.signal,
      });
      if (!response.ok || !response.body) {
        if (response.status === 401) tokenRefused(token);
        const body = (await response.json().catch(() => ({}))) as { error?: string };
        throw new Error(body.error ?? `mcpd answered ${response.status}`);
      }
      const parser = createParser({
        onComment: (comment) => {
          // mcpd says so while the model wakes: `: waking NAME 12s`.
          if (comment.trim().startsWith('waking')) setStats((current) => ({ ...current, waking: comment.trim() }));
        },
        onEvent: ({ data }) => {
          if (data === '[DONE]') return;
          const chunk = JSON.parse(data) as Chunk;
          if (chunk.error) throw new Error(chunk.error.message ?? 'the answer failed');
          if (chunk.usage?.completion_tokens !== undefined) completionTokens = chunk.usage.completion_tokens;
          const delta = chunk.choices?.[0]?.delta;
          const reasoning = delta?.reasoning_content ?? delta?.reasoning;
          if (!delta?.content && !reasoning) return;
          if (firstAt === undefined) {
            firstAt = performance.now();
            setStats({ firstTokenMs: firstAt - startedAt });
          }
          pieces += 1;
          if (reasoning) answer.reasoning = (answer.reasoning ?? "") + reasoning;
          if (delta?.content) answer.content += delta.content;
          show();
        },
      });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      if (firstAt !== undefined) {
        const seconds = (performance.now() - firstAt) / 1000;
        const tokens = completionTokens ?? pieces;
        setStats({ firstTokenMs: firstAt - startedAt, ...(seconds > 0 ? { tokensPerSecond: tokens / seconds } : {}) });
      }
    } catch (failure) {
      if (!request.signal.aborted) {
        setError(failure instanceof Error ? failure.message : String(failure));
        // No empty answer is left in the history the next message sends, and the message that
        // got none goes back in the box, to send again.
        if (!answer.content) {
          setMessages(history.slice(0, -1));
          setDraft((current) => current || text);
        } else show();
      }
    } finally {
      // A failed parse leaves the body unread: ending it gives the model's slot back at once.
      request.abort();
      setBusy(false);
    }
  };

  return (
    <section class="playground">
      <div class="filters">
        <label>Model <select name="model" value={chosen} onChange={(event) => setModel(event.currentTarget.value)}>
          {gone && <option value={chosen} disabled>{chosen} (gone)</option>}
          {offered?.map((entry) => <option key={entry.id} value={entry.id}>{entry.kind === 'LLM' ? entry.id : `${entry.id} (${entry.kind})`}</option>)}
        </select></label>
        {gone && <span class="error" data-model-gone>{chosen} is no longer offered: pick another model.</span>}
        {offered?.length === 0 && <span class="muted">No model you may chat with.</span>}
        <button type="button" onClick={() => { controller.current?.abort(); setMessages([]); setStats({}); }}>New chat</button>
      </div>
      <div class="messages">
        {messages.map((message, index) => (
          <div key={index} class={`message ${message.role}`} data-role={message.role}>
            {message.reasoning && <details class="reasoning" open><summary>Reasoning</summary><pre>{message.reasoning}</pre></details>}
            <pre class="content">{message.content}</pre>
          </div>
        ))}
      </div>
      <p class="stats" data-stats>
        {stats.waking && busy && stats.firstTokenMs === undefined && <span class="waking">{stats.waking}…</span>}
        {stats.firstTokenMs !== undefined && <span>first token {ms(stats.firstTokenMs)}</span>}
        {stats.tokensPerSecond !== undefined && <span> · {stats.tokensPerSecond.toFixed(1)} tokens/s</span>}
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      <form onSubmit={(event) => void send(event)} class="compose">
        <label for="message" class="visually-hidden">Message</label>
        <textarea id="message" name="message" value={draft} onInput={(event) => setDraft(event.currentTarget.value)} placeholder="Say something" rows={3} />
        <button type="submit" disabled={busy || !chosen || gone}>{busy ? 'Answering…' : 'Send'}</button>
      </form>
    </section>
  );
}
