import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, cleanToken, messageOf, onTokenRefused, storedToken, storeToken } from './api.js';
import { age } from './format.js';
import { REFUSED, useLive } from './live.js';
import type { LiveStatus } from './live-stream.js';
import { AgentsView, SessionsView } from './views/agents-view.js';
import { AuditView } from './views/audit-view.js';
import { LlmsView } from './views/llms-view.js';
import { PlaygroundView } from './views/playground-view.js';
import { PoolsView } from './views/pools-view.js';
import { UsageView } from './views/usage-view.js';
import './style.css';

interface Status {
  user: { id: string; name: string; admin: boolean };
  server: { version: string };
}

const TABS = ['llms', 'pools', 'agents', 'sessions', 'usage', 'audit', 'playground'] as const;
type Tab = (typeof TABS)[number];
const TITLES: Record<Tab, string> = { llms: 'LLMs', pools: 'Pools', agents: 'Agents', sessions: 'Sessions', usage: 'Usage', audit: 'Audit', playground: 'Playground' };

/** The views fed by the live stream, marked stale while it is down. */
const LIVE_TABS: ReadonlySet<Tab> = new Set<Tab>(['llms', 'pools', 'agents', 'sessions']);

/** The header's word for the stream, with the reason it is down in plain sight. */
function connectionText(status: LiveStatus): string {
  if (status.phase === 'connecting') return 'connecting';
  if (status.phase === 'live') return 'live';
  return `reconnecting — ${status.error}`;
}

/** The view the address names (`/ui/#audit`), the LLMs when it names none. */
function tabOfHash(): Tab {
  const named = location.hash.slice(1);
  return (TABS as readonly string[]).includes(named) ? (named as Tab) : 'llms';
}

function Login({ onLogin, notice }: { onLogin: (token: string, status: Status) => void; notice?: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(notice);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const cleaned = cleanToken(token);
      onLogin(cleaned, await api<Status>(cleaned, '/api/v1/status'));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <form class="login" onSubmit={(event) => void submit(event)}>
      <h1>mcpctl</h1>
      <label>Token <input name="token" type="password" autocomplete="off" value={token} onInput={(event) => setToken(event.currentTarget.value)} /></label>
      <button type="submit" disabled={!cleanToken(token)}>Log in</button>
      {error && <p class="error" role="alert">{error}</p>}
      <p class="muted">A token from <code>mcpctl create token</code>; it stays in this tab only.</p>
    </form>
  );
}

function Dashboard({ token, status, onLogout }: { token: string; status: Status; onLogout: (reason?: string) => void }) {
  const [tab, setTab] = useState<Tab>(tabOfHash);
  useEffect(() => {
    // The address leads: Back, Forward and a typed `#audit` switch the view as a click does.
    const follow = () => setTab(tabOfHash());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  const live = useLive(token, onLogout);
  // Any call the views make with a refused token logs out as the live stream's refusal does.
  useEffect(() => onTokenRefused(token, () => onLogout(REFUSED)), [token, onLogout]);
  // The live views show what mcpd last sent: while the stream is down, they say how old it is.
  const stale = live.status.phase === 'down' && LIVE_TABS.has(tab);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    // Ages ("12 s ago") move on their own; the data comes from mcpd's stream.
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <div class="dashboard">
      <header>
        <strong>mcpctl</strong>
        <nav>
          {TABS.map((name) => (
            <button key={name} type="button" data-tab={name} class={name === tab ? 'active' : ''} onClick={() => { location.hash = name; }}>{TITLES[name]}</button>
          ))}
        </nav>
        <span class={`connection ${live.status.phase}`} role="status" aria-live="polite">{connectionText(live.status)}</span>
        <span class="user">{status.user.name}{status.user.admin ? ' (admin)' : ''}</span>
        <button type="button" name="logout" onClick={() => onLogout()}>Log out</button>
      </header>
      <main class={stale ? 'stale' : ''}>
        <h2>{TITLES[tab]}</h2>
        {stale && live.status.phase === 'down' && (
          <p class="stale-note" data-stale>Not live: {live.status.lastHeardAt === undefined ? 'mcpd has not been reached yet' : `last update ${age(new Date(live.status.lastHeardAt).toISOString(), now)}`}.</p>
        )}
        {tab === 'llms' && <LlmsView llms={live.llms} now={now} />}
        {tab === 'pools' && <PoolsView pools={live.pools} llms={live.llms} />}
        {tab === 'agents' && <AgentsView agents={live.agents} />}
        {tab === 'sessions' && <SessionsView sessions={live.sessions} now={now} />}
        {tab === 'usage' && <UsageView token={token} />}
        {tab === 'audit' && <AuditView token={token} />}
        {tab === 'playground' && <PlaygroundView token={token} llms={live.llms} pools={live.pools} agents={live.agents} />}
      </main>
    </div>
  );
}

function App() {
  const [session, setSession] = useState<{ token: string; status: Status } | undefined>();
  const [checking, setChecking] = useState(true);
  const [trouble, setTrouble] = useState<string | undefined>();
  // Why the login form is back when the user did not log out.
  const [notice, setNotice] = useState<string | undefined>();
  useEffect(() => {
    const token = storedToken();
    if (!token) return setChecking(false);
    api<Status>(token, '/api/v1/status').then(
      (status) => setSession({ token, status }),
      // Only a refused token is forgotten: mcpd restarting or the network failing is no reason to log out.
      (failure: unknown) => {
        if (failure instanceof ApiError && failure.status === 401) {
          storeToken(null);
          setNotice(REFUSED);
        }
        else setTrouble(messageOf(failure));
      },
    ).finally(() => setChecking(false));
  }, []);
  if (checking) return <p class="muted">Loading…</p>;
  if (trouble) return <p class="error" role="alert">Cannot reach mcpd: {trouble}. Reload the page to try again.</p>;
  if (!session) return <Login notice={notice} onLogin={(token, status) => { storeToken(token); setNotice(undefined); setSession({ token, status }); }} />;
  const logout = (reason?: string) => {
    storeToken(null);
    setNotice(reason);
    setSession(undefined);
  };
  return <Dashboard token={session.token} status={session.status} onLogout={logout} />;
}

render(<App />, document.getElementById('app')!);
