import { userLabel, type StatusView } from '@mcpctl/protocol';
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
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

type Status = StatusView;

/** How long the page waits before asking a mcpd it could not reach at load again. */
const RETRY_LOAD_MS = 5_000;

const TABS = ['llms', 'pools', 'agents', 'sessions', 'usage', 'audit', 'playground'] as const;
type Tab = (typeof TABS)[number];
const TITLES: Record<Tab, string> = { llms: 'LLMs', pools: 'Pools', agents: 'Agents', sessions: 'Sessions', usage: 'Usage', audit: 'Audit', playground: 'Playground' };

/** The views fed by the live stream, marked stale while it is down. */
const LIVE_TABS: ReadonlySet<Tab> = new Set<Tab>(['llms', 'pools', 'agents', 'sessions']);

/** Why a live view shows what it shows while the stream is down. */
function staleText(status: Extract<LiveStatus, { phase: 'down' }>, now: number): string {
  if (status.lastHeardAt !== undefined) return `Not live: last update ${age(new Date(status.lastHeardAt).toISOString(), now)}.`;
  // mcpd answered, only not with the stream: its reason is in the header; "not reached" would send the user looking at the network.
  if (status.reached) return 'Not live: mcpd turned the live stream down (why is above); the page asks again every 3 s.';
  return 'Not live: mcpd has not been reached yet.';
}

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
  // Who the page is logged in as: mcpd sends the caller's role and grants again whenever they change.
  const user = live.access ?? status.user;
  // Any call the views make with a refused token logs out as the live stream's refusal does.
  useEffect(() => onTokenRefused(token, () => onLogout(REFUSED)), [token, onLogout]);
  // The live views show what mcpd last sent: while the stream is down, they say how old it is.
  // The playground's models come from the stream too: with none arrived, it says why its list is empty.
  const stale = live.status.phase === 'down' && (LIVE_TABS.has(tab) || (tab === 'playground' && live.llms === undefined));
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
        <span class="user">{userLabel(user)}</span>
        <button type="button" name="logout" onClick={() => onLogout()}>Log out</button>
      </header>
      <main class={stale ? 'stale' : ''}>
        <h2>{TITLES[tab]}</h2>
        {stale && live.status.phase === 'down' && <p class="stale-note" data-stale>{staleText(live.status, now)}</p>}
        {/* Nothing has arrived to show: the note says why, where "Loading…" would promise what is not coming. */}
        {!(stale && live.status.phase === 'down' && live.status.lastHeardAt === undefined) && (
          <>
            {tab === 'llms' && <LlmsView llms={live.llms} now={now} />}
            {tab === 'pools' && <PoolsView pools={live.pools} llms={live.llms} />}
            {tab === 'agents' && <AgentsView agents={live.agents} />}
            {tab === 'sessions' && <SessionsView sessions={live.sessions} now={now} />}
          </>
        )}
        {tab === 'usage' && <UsageView token={token} />}
        {tab === 'audit' && <AuditView token={token} />}
        {/* Mounted from login to logout, only hidden elsewhere: leaving it must not end the chat or the answer streaming. */}
        <div hidden={tab !== 'playground'}>
          <PlaygroundView token={token} llms={live.llms} pools={live.pools} agents={live.agents} />
        </div>
      </main>
    </div>
  );
}

function App() {
  const [session, setSession] = useState<{ token: string; status: Status } | undefined>();
  const [checking, setChecking] = useState(true);
  // Why mcpd could not be asked at load: a new object per failure, so each one schedules the next try.
  const [trouble, setTrouble] = useState<{ message: string } | undefined>();
  // Why the login form is back when the user did not log out.
  const [notice, setNotice] = useState<string | undefined>();
  const logout = useCallback((reason?: string) => {
    storeToken(null);
    setNotice(reason);
    setTrouble(undefined);
    setSession(undefined);
  }, []);
  const check = useCallback(() => {
    const token = storedToken();
    if (!token) return setChecking(false);
    api<Status>(token, '/api/v1/status').then(
      (status) => {
        setTrouble(undefined);
        setSession({ token, status });
      },
      // Only a refused token is forgotten: mcpd restarting or the network failing is no reason to log out.
      (failure: unknown) => {
        if (failure instanceof ApiError && failure.status === 401) {
          storeToken(null);
          setNotice(REFUSED);
          setTrouble(undefined);
        }
        else setTrouble({ message: messageOf(failure) });
      },
    ).finally(() => setChecking(false));
  }, []);
  useEffect(check, [check]);
  useEffect(() => {
    // A restarting mcpd or a proxy's 502 passes: ask again rather than leave the user to reload.
    if (!trouble) return;
    const timer = setTimeout(check, RETRY_LOAD_MS);
    return () => clearTimeout(timer);
  }, [trouble, check]);
  if (checking) return <p class="muted">Loading…</p>;
  if (trouble) {
    return (
      <div class="trouble">
        <p class="error" role="alert">{trouble.message}. The page asks again every {RETRY_LOAD_MS / 1000} s.</p>
        <button type="button" name="retry" onClick={check}>Try now</button>
        <button type="button" name="logout" onClick={() => logout()}>Log out</button>
      </div>
    );
  }
  if (!session) return <Login notice={notice} onLogin={(token, status) => { storeToken(token); setNotice(undefined); setSession({ token, status }); }} />;
  return <Dashboard token={session.token} status={session.status} onLogout={logout} />;
}

render(<App />, document.getElementById('app')!);
