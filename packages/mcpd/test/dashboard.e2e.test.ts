import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TOKENS, makeTempDir, spawnMcpd, startFakeUpstream, type FakeUpstream, type SpawnedMcpd, type TempDir } from '@mcpctl/test-kit';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderStream } from './support/provider-stream.js';

/** Debian's Chromium (`apt-get install -y chromium`; `.ci/run` installs it when missing). */
const CHROMIUM = process.env.MCPCTL_TEST_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots go here; `MCPCTL_SCREENSHOTS=docs/dashboard` refreshes the ones the docs show. */
const SHOTS = process.env.MCPCTL_SCREENSHOTS;

/*
 * The dashboard at /ui in a real browser against the real mcpd (a child process on its embedded
 * database), with a fake upstream behind a public LLM and a publisher's control stream for a
 * workstation. The tests run in order and share one mcpd.
 */
describe('the dashboard in a browser', () => {
  let dataDir: TempDir;
  let shotsDir: TempDir;
  let mcpd: SpawnedMcpd;
  let upstream: FakeUpstream;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let adminPage: Page;
  let alice: string;
  let bob: string;

  const api = async (path: string, init: { method?: string; json?: unknown; token?: string } = {}) => {
    const response = await fetch(`${mcpd.url}${path}`, {
      method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${init.token ?? mcpd.adminToken}`, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${await response.text()}`);
    return response;
  };
  const userToken = async (name: string) => {
    await api('/api/v1/users', { json: { name, role: null } });
    await api('/api/v1/rolebindings', { json: { name: `${name}-llms`, subjectKind: 'user', subjectName: name, permissions: ['view:llms', 'run:llms', 'create:llms:virtual'] } });
    return ((await (await api('/api/v1/tokens', { json: { user: name, name: 'dashboard' } })).json()) as { token: string }).token;
  };

  /**
   * A tab logged in with `token`, its console watched for errors: in a browser of its own unless
   * `context` is given; `prepare` runs before the page loads.
   */
  const loggedIn = async (token: string, options: { context?: BrowserContext; prepare?: (page: Page) => Promise<unknown> } = {}): Promise<Page> => {
    let context = options.context;
    if (!context) {
      context = await browser.newContext({ viewport: { width: 1400, height: 800 } });
      contexts.push(context);
    }
    const page = await context.newPage();
    await options.prepare?.(page);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`answer ${response.status()} to ${response.request().method()} ${response.url()}`);
    });
    page.on('requestfailed', (request) => {
      // Leaving a page or logging out ends its event stream on purpose.
      if (!request.url().endsWith('/api/v1/events')) problems.push(`failed ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? ''}`);
    });
    await page.goto(`${mcpd.url}/ui/`);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.waitForSelector('header .user');
    return page;
  };
  const shoot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(SHOTS ?? shotsDir.path, `${name}.png`), fullPage: true });
  };
  const row = (page: Page, name: string) => page.locator(`tr[data-llm="${name}"]`);

  beforeAll(async () => {
    [dataDir, shotsDir] = await Promise.all([makeTempDir('dashboard-mcpd-'), makeTempDir('dashboard-shots-')]);
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or point MCPCTL_TEST_CHROMIUM at one`);
    upstream = await startFakeUpstream({ tokensPerSecond: 50 });
    mcpd = await spawnMcpd({ dataDir: dataDir.path });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    await api('/api/v1/llms', { json: { name: 'team-fake', type: 'openai', model: 'fake-model', url: upstream.openaiBaseUrl, visibility: 'public', poolName: 'team' } });
    [alice, bob] = await Promise.all([userToken('alice'), userToken('bob')]);
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await mcpd?.stop();
    await upstream?.close();
    await Promise.all([dataDir?.cleanup(), shotsDir?.cleanup()]);
  });

  it('serves the page without a token, and refuses a wrong token at login with one line', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${mcpd.url}/ui/`);
    await page.fill('input[name=token]', 'not-a-token');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toMatch(/token/);
    // A token pasted as a header value, with a stray space, is what mcpd wants once cleaned.
    await page.fill('input[name=token]', ` Bearer ${bob} `);
    await page.click('button[type=submit]');
    await page.waitForSelector('header .user');
  });

  it('logs in and shows the LLMs live: one created through the API appears without a reload', async () => {
    adminPage = await loggedIn(mcpd.adminToken);
    await row(adminPage, 'team-fake').waitFor();
    expect(await row(adminPage, 'team-fake').getAttribute('data-status')).toBe('active');
    await api('/api/v1/llms', { json: { name: 'team-other', type: 'openai', model: 'm', url: upstream.openaiBaseUrl, visibility: 'public' } });
    await row(adminPage, 'team-other').waitFor();
    await api('/api/v1/llms/team-other', { method: 'DELETE' });
    await row(adminPage, 'team-other').waitFor({ state: 'detached' });
  });

  it("shows a workstation going offline, and keeps alice's private model from bob", async () => {
    const register = await api('/api/v1/llms/_provider-register', { token: alice, json: { providers: [{ name: 'alice-desk', type: 'openai', model: 'qwen' }] } });
    const { providerSessionId } = (await register.json()) as { providerSessionId: string };
    const stream = await ProviderStream.open(mcpd.url, alice, providerSessionId);
    await adminPage.locator('tr[data-llm="alice-desk"][data-status="active"]').waitFor();
    await shoot(adminPage, 'llms');
    await adminPage.click('button[data-tab=sessions]');
    await adminPage.locator('tr[data-connected="true"]').waitFor();
    await shoot(adminPage, 'sessions');
    await adminPage.click('button[data-tab=llms]');

    const bobsPage = await loggedIn(bob);
    await row(bobsPage, 'team-fake').waitFor();
    expect(await row(bobsPage, 'alice-desk').count()).toBe(0);

    stream.close();
    await adminPage.locator('tr[data-llm="alice-desk"][data-status="inactive"]').waitFor();
  });

  it('streams an answer in the playground, with its first token time', async () => {
    await adminPage.click('button[data-tab=playground]');
    await adminPage.selectOption('select[name=model]', 'team-fake');
    await adminPage.fill('textarea[name=message]', 'Say hello');
    await adminPage.click('form.compose button[type=submit]');
    await expect.poll(() => adminPage.locator('[data-role=assistant] .content').last().textContent(), { timeout: 15_000 }).toBe(DEFAULT_TOKENS.join(''));
    await expect.poll(() => adminPage.locator('[data-stats]').textContent()).toMatch(/first token [\d.]+ m?s · [\d.]+ tokens\/s/);
    await shoot(adminPage, 'playground');
  });

  it('offers the models as they are now: one created appears in the playground, one deleted is marked gone', async () => {
    await api('/api/v1/llms', { json: { name: 'brief', type: 'openai', model: 'm', url: upstream.openaiBaseUrl, visibility: 'public' } });
    await adminPage.locator('select[name=model] option[value=brief]').waitFor({ state: 'attached' });
    await adminPage.selectOption('select[name=model]', 'brief');
    await api('/api/v1/llms/brief', { method: 'DELETE' });
    await adminPage.locator('[data-model-gone]').waitFor();
    expect(await adminPage.locator('form.compose button[type=submit]').isDisabled()).toBe(true);
    await adminPage.selectOption('select[name=model]', 'team-fake');
    await adminPage.locator('[data-model-gone]').waitFor({ state: 'detached' });
    expect(await adminPage.getByLabel('Message').count()).toBe(1);
  });

  it('shows the requests just made in the usage table and the audit log, and the pools', async () => {
    await adminPage.click('button[data-tab=usage]');
    const usage = adminPage.locator('tr[data-usage="team-fake"] td:nth-child(2)');
    await usage.waitFor();
    expect(Number(await usage.textContent())).toBeGreaterThanOrEqual(1);
    await adminPage.locator('figure.chart svg rect').first().waitFor();
    // Every hour of the day keeps its place on the axis, busy or not, and a count reads as words agree.
    expect(await adminPage.locator('figure.chart g[data-hour]').count()).toBeGreaterThanOrEqual(24);
    const tooltip = (await adminPage.locator('figure.chart rect title').first().textContent()) ?? '';
    expect(tooltip).toMatch(/: (1 request|\d+ requests)$/);
    expect(tooltip).not.toMatch(/: 1 requests$/);
    await shoot(adminPage, 'usage');

    await adminPage.click('button[data-tab=audit]');
    await adminPage.locator('tr[data-audit]').first().waitFor();
    await adminPage.selectOption('select[name=status]', 'error');
    await expect.poll(() => adminPage.locator('tr[data-audit]').count()).toBe(0);
    await adminPage.selectOption('select[name=status]', 'ok');
    await adminPage.locator('tr[data-audit]').first().waitFor();
    await shoot(adminPage, 'audit');

    await adminPage.click('button[data-tab=pools]');
    await adminPage.locator('tr[data-pool="team"] [data-member="team-fake"]').waitFor();
    await shoot(adminPage, 'pools');

    await api('/api/v1/agents', { json: { name: 'reviewer', llm: 'team-fake', systemPrompt: 'You review code.', description: 'Reviews diffs', visibility: 'public' } });
    await adminPage.click('button[data-tab=agents]');
    await adminPage.locator('tr[data-agent="reviewer"]').waitFor();
    await shoot(adminPage, 'agents');
  });

  it('keeps what is typed slowly into the audit filters, and applies it on Enter', async () => {
    await adminPage.click('button[data-tab=audit]');
    await adminPage.selectOption('select[name=status]', '');
    await adminPage.locator('tr[data-audit]').first().waitFor();
    // Slower than the page's once-a-second redraw of ages, which used to wipe the box.
    await adminPage.locator('input[name=user]').pressSequentially('bob', { delay: 500 });
    await adminPage.waitForTimeout(1200);
    expect(await adminPage.inputValue('input[name=user]')).toBe('bob');
    expect(await adminPage.locator('tr[data-audit]').count()).toBeGreaterThan(0);
    await adminPage.press('input[name=user]', 'Enter');
    await expect.poll(() => adminPage.locator('tr[data-audit]').count()).toBe(0);
    await adminPage.fill('input[name=user]', '');
    await adminPage.locator('input[name=llm]').pressSequentially('team-fake', { delay: 150 });
    await adminPage.focus('select[name=status]');
    await adminPage.locator('tr[data-audit]').first().waitFor();
    expect(await adminPage.inputValue('input[name=llm]')).toBe('team-fake');
    expect(new Set(await adminPage.locator('tr[data-audit] td:nth-child(3)').allTextContents())).toEqual(new Set(['team-fake']));
    // Tokens as the CLI shows them, prompt/completion, never a sum.
    expect(await adminPage.locator('tr[data-audit] td:nth-child(10)').first().textContent()).toMatch(/^\d+\/\d+$/);
  });

  it('shows an agent whose LLM was deleted as unable to answer, as the CLI does', async () => {
    await api('/api/v1/llms', { json: { name: 'alpha', type: 'openai', model: 'm', url: upstream.openaiBaseUrl, visibility: 'public' } });
    await api('/api/v1/agents', { json: { name: 'orphan', llm: 'alpha', visibility: 'public' } });
    await adminPage.click('button[data-tab=agents]');
    const orphan = adminPage.locator('tr[data-agent="orphan"]');
    await orphan.waitFor();
    expect(await orphan.locator('td:nth-child(2)').textContent()).toBe('alpha');
    await api('/api/v1/llms/alpha', { method: 'DELETE' });
    await adminPage.locator('tr[data-agent="orphan"][data-llm-state="gone"]').waitFor({ timeout: 15_000 });
    expect(await orphan.locator('td:nth-child(2)').textContent()).toBe('alpha (gone)');
    expect(await orphan.locator('td:nth-child(4)').textContent()).toMatch(/cannot answer/);
  });

  it('follows the address: Back returns to the view before, and a typed #audit opens the audit', async () => {
    const shown = () => adminPage.locator('main h2').textContent();
    await adminPage.click('button[data-tab=pools]');
    await adminPage.click('button[data-tab=sessions]');
    await expect.poll(shown).toBe('Sessions');
    await adminPage.goBack();
    await expect.poll(shown).toBe('Pools');
    expect(await adminPage.getAttribute('button[data-tab=pools]', 'class')).toBe('active');
    await adminPage.goForward();
    await expect.poll(shown).toBe('Sessions');
    await adminPage.goto(`${mcpd.url}/ui/#audit`);
    await expect.poll(shown).toBe('Audit');
    await adminPage.locator('tr[data-audit]').first().waitFor();
  });

  it('shares one live stream among seven tabs of one browser, so each shows live data and other requests still get through', async () => {
    // A browser gives an origin 6 connections: a stream per tab would leave the seventh hanging.
    const context = await browser.newContext({ viewport: { width: 1400, height: 800 } });
    contexts.push(context);
    let streams = 0;
    context.on('request', (request) => {
      if (request.url().endsWith('/api/v1/events')) streams += 1;
    });
    const tabs: Page[] = [];
    for (let index = 0; index < 7; index += 1) tabs.push(await loggedIn(mcpd.adminToken, { context }));
    await Promise.all(tabs.map((tab) => row(tab, 'team-fake').waitFor()));
    await api('/api/v1/llms', { json: { name: 'crowd', type: 'openai', model: 'm', url: upstream.openaiBaseUrl, visibility: 'public' } });
    await Promise.all(tabs.map((tab) => row(tab, 'crowd').waitFor()));
    expect(streams).toBe(1);
    const last = tabs[6]!;
    const [audit] = await Promise.all([last.waitForResponse((response) => response.url().includes('/api/v1/audit?')), last.click('button[data-tab=audit]')]);
    expect(audit.status()).toBe(200);
    await last.locator('tr[data-audit], section > p.muted').first().waitFor();

    // The tab holding the stream closes: another opens it, and every tab left stays live.
    await tabs[0]!.close();
    await api('/api/v1/llms/crowd', { method: 'DELETE' });
    await Promise.all(tabs.slice(1, 6).map((tab) => row(tab, 'crowd').waitFor({ state: 'detached' })));
    expect(streams).toBe(2);
  });

  it('fits a phone: the tabs wrap within the screen and are tappable, and wide tables scroll in their own box', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 700 }, isMobile: true, hasTouch: true });
    contexts.push(context);
    const page = await loggedIn(mcpd.adminToken, { context });
    await row(page, 'team-fake').waitFor();
    const pageWidth = () => page.evaluate<number>('document.documentElement.scrollWidth');
    for (const tab of ['llms', 'pools', 'agents', 'sessions', 'usage', 'audit', 'playground']) {
      const button = page.locator(`button[data-tab=${tab}]`);
      const box = await button.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 375, `${tab} within the screen`).toBe(true);
      await button.tap();
      await expect.poll(() => button.getAttribute('class')).toBe('active');
      if (tab === 'audit') await page.locator('tr[data-audit], section > p.muted').first().waitFor();
      expect(await pageWidth(), `the ${tab} view fits`).toBeLessThanOrEqual(375);
    }
    await page.click('button[data-tab=llms]');
    await page.locator('.scroll table').waitFor();
    expect(await page.evaluate<boolean>("(({ scrollWidth, clientWidth }) => scrollWidth > clientWidth)(document.querySelector('.scroll'))")).toBe(true);
  });

  it('logs out: the token leaves the tab, and the page asks for one again', async () => {
    await adminPage.click('button[name=logout]');
    await adminPage.locator('input[name=token]').waitFor();
    expect(await adminPage.evaluate<number>('sessionStorage.length')).toBe(0);
    await adminPage.reload();
    await adminPage.locator('input[name=token]').waitFor();
  });

  it('logged no error in the browser console', () => {
    expect(problems).toEqual([]);
  });

  // After the console check: the failed call below logs its 502 in the console, as a browser does.
  it('puts a message that got no answer back in the box, to send again', async () => {
    await api('/api/v1/llms', { json: { name: 'team-down', type: 'openai', model: 'm', url: 'http://127.0.0.1:9/v1', visibility: 'public' } });
    const page = await loggedIn(mcpd.adminToken);
    await page.click('button[data-tab=playground]');
    await page.locator('select[name=model] option[value=team-down]').waitFor({ state: 'attached' });
    await page.selectOption('select[name=model]', 'team-down');
    await page.fill('textarea[name=message]', 'Are you there?');
    await page.click('form.compose button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent(), { timeout: 15_000 }).toMatch(/team-down/);
    expect(await page.inputValue('textarea[name=message]')).toBe('Are you there?');
    expect(await page.locator('[data-role=user]').count()).toBe(0);
    // A request that failed counted no tokens: none are shown, not 0.
    await page.click('button[data-tab=audit]');
    await page.fill('input[name=llm]', 'team-down');
    await page.press('input[name=llm]', 'Enter');
    await expect.poll(() => page.locator('tr[data-audit] td:nth-child(10)').first().textContent()).toBe('–');
  });

  it('says why it asks for a token again when the one it has is revoked while the page is open', async () => {
    const { token } = (await (await api('/api/v1/tokens', { json: { user: 'alice', name: 'short-lived' } })).json()) as { token: string };
    const page = await loggedIn(token);
    await row(page, 'team-fake').waitFor();
    await api('/api/v1/tokens/short-lived?user=alice', { method: 'DELETE' });
    await page.locator('input[name=token]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[role=alert]').textContent()).toMatch(/revoked or has expired/);
  });

  it('logs out at the first call a view makes with a revoked token, without waiting for the live stream to notice', async () => {
    const { token } = (await (await api('/api/v1/tokens', { json: { user: 'alice', name: 'revoked-mid-view' } })).json()) as { token: string };
    let letGo = () => {};
    const held = new Promise<void>((resolve) => (letGo = resolve));
    // The live stream never opens here: only the view's own call can learn of the revocation.
    const page = await loggedIn(token, { prepare: (tab) => tab.route('**/api/v1/events', async (route) => held.then(() => route.abort('failed'))) });
    await api('/api/v1/tokens/revoked-mid-view?user=alice', { method: 'DELETE' });
    await page.click('button[data-tab=audit]');
    await page.locator('input[name=token]').waitFor({ timeout: 5_000 });
    expect(await page.locator('[role=alert]').textContent()).toMatch(/revoked or has expired/);
    expect(await page.evaluate("sessionStorage.getItem('mcpctl.token')")).toBeNull();
    letGo();
  });

  it('says it is connecting, then that the stream is down and why, and marks the live views stale until it is back', async () => {
    let letGo = () => {};
    const held = new Promise<void>((resolve) => (letGo = resolve));
    let calls = 0;
    const page = await loggedIn(mcpd.adminToken, {
      // The stream: held, then failed; then one mcpd ends at once; then the real one.
      prepare: (tab) =>
        tab.route('**/api/v1/events', async (route) => {
          calls += 1;
          if (calls === 1) {
            await held;
            return route.abort('failed');
          }
          if (calls === 2) return route.fulfill({ status: 200, contentType: 'text/event-stream', body: ': keepalive\n\n' });
          return route.continue();
        }),
    });
    const connection = page.locator('header .connection');
    expect(await connection.textContent()).toBe('connecting');
    expect(await connection.getAttribute('aria-live')).toBe('polite');
    letGo();
    await expect.poll(() => connection.textContent()).toBe('reconnecting — Failed to fetch');
    expect(await page.locator('main').getAttribute('class')).toBe('stale');
    expect(await page.locator('[data-stale]').textContent()).toMatch(/not been reached/);
    await expect.poll(() => connection.textContent(), { timeout: 10_000 }).toBe('reconnecting — mcpd ended the stream');
    expect(await page.locator('[data-stale]').textContent()).toMatch(/last update \d+ s ago/);
    await expect.poll(() => connection.textContent(), { timeout: 10_000 }).toBe('live');
    await row(page, 'team-fake').waitFor();
    expect(await page.locator('[data-stale]').count()).toBe(0);
    expect(await page.locator('main').getAttribute('class')).toBe('');
  });

  it('says how long to wait when mcpd stops taking logins from this address', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${mcpd.url}/ui/`);
    // mcpd refuses an address after 20 failed logins in a minute, saying when with Retry-After.
    for (let attempt = 0; attempt < 21; attempt += 1) {
      await fetch(`${mcpd.url}/api/v1/status`, { headers: { authorization: 'Bearer wrong' } });
    }
    await page.fill('input[name=token]', 'still-wrong');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toMatch(/too many failed authentications.*\(try again in \d+ s\)/);
  });
});
