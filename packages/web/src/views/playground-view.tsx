import { createParser } from 'eventsource-parser';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveAgentView, LiveLlmView, PoolView } from '@mcpctl/protocol';
import { failureOf, reach, tokenRefused } from '../api.js';
import { ms } from '../format.js';
import { defaultModel, modelLabel, playgroundModels } from './playground-models.js';

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

interface PlaygroundProps {
  token: string;
  llms: LiveLlmView[] | undefined;
  pools: PoolView[] | undefined;
  agents: LiveAgentView[] | undefined;
}

/**
 * Chat with any model the caller may use, streaming, with the first token's time and the rate.
 * The page keeps it mounted while other views are shown, so the conversation, the draft, the
 * chosen model and an answer still streaming outlive a look at another tab.
 */
export function PlaygroundView({ token, llms, pools, agents }: PlaygroundProps) {
  const [model, setModel] = useState('');
  const [messages, setMessages] = useState<Message[]>([]);
  const [draft, setDraft] = useState('');
  const [stats, setStats] = useState<Stats>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const controller = useRef<AbortController | undefined>(undefined);

  const offered = playgroundModels(llms, pools, agents);
  const runnable = offered?.filter((entry) => entry.needs === undefined) ?? [];
  const refused = offered?.filter((entry) => entry.needs !== undefined) ?? [];
  // The first model it may run is chosen until the user picks one; a chosen model deleted since
  // stays named, marked gone, rather than the chat quietly going to another.
  const chosen = model || (offered && defaultModel(offered)?.id) || '';
  const chosenModel = offered?.find((entry) => entry.id === chosen);
  const gone = offered !== undefined && chosen !== '' && !chosenModel;
  // A model the grants no longer allow (the role changed since it was picked): mcpd would refuse each message.
  const blocked = chosenModel?.needs !== undefined;
  useEffect(() => () => controller.current?.abort(), []);

  const send = async (event: Event) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text || !chosen || gone || blocked || busy) return;
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
      const response = await reach('/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: chosen, messages: history.map(({ role, content }) => ({ role, content })), stream: true, stream_options: { include_usage: true } }),
        signal: request.signal,
      });
      if (!response.ok || !response.body) {
        if (response.status === 401) tokenRefused(token);
        throw await failureOf(response);
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

  // Enter sends, as in a chat; Shift+Enter is a new line, and Enter while an input method composes is its own.
  const sendOnEnter = (event: KeyboardEvent) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    (event.currentTarget as HTMLTextAreaElement).form?.requestSubmit();
  };

  return (
    <section class="playground">
      <div class="filters">
        <label>Model <select name="model" value={chosen} onChange={(event) => setModel(event.currentTarget.value)}>
          {gone && <option value={chosen} disabled>{chosen} (gone)</option>}
          {runnable.map((entry) => <option key={entry.id} value={entry.id} data-state={entry.state}>{modelLabel(entry)}</option>)}
          {/* Listed so the user learns they exist and what is missing; not choosable, as mcpd would refuse every message. */}
          {refused.length > 0 && (
            <optgroup label="Not yours to run">
              {refused.map((entry) => <option key={entry.id} value={entry.id} disabled data-needs={entry.needs}>{modelLabel(entry)}</option>)}
            </optgroup>
          )}
        </select></label>
        {gone && <span class="error" data-model-gone>{chosen} is no longer offered: pick another model.</span>}
        {blocked && <span class="error" data-model-refused>You may not run {chosen} (it needs {chosenModel?.needs}): pick another model, or ask an admin for the permission.</span>}
        {offered?.length === 0 && <span class="muted">No model you may chat with.</span>}
        {offered !== undefined && offered.length > 0 && runnable.length === 0 && <span class="muted" data-none-runnable>You may not run any of these models: ask an admin for a role binding with <code>run:llms</code>.</span>}
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
        <textarea id="message" name="message" value={draft} onInput={(event) => setDraft(event.currentTarget.value)} onKeyDown={sendOnEnter} placeholder="Say something (Enter sends, Shift+Enter starts a new line)" rows={3} />
        <button type="submit" disabled={busy || !chosen || gone || blocked || !draft.trim()}>{busy ? 'Answering…' : 'Send'}</button>
      </form>
    </section>
  );
}
