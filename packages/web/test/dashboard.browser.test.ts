import { existsSync } from 'node:fs';
import type { AuditRecordView, LiveAgentView } from '@mcpctl/protocol';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatChunk, FakeMcpd, json, llm, statusOf } from './support/fake-mcpd.js';

/** Debian's Chromium (`apt-get install -y chromium`); `MCPCTL_TEST_CHROMIUM` points at another build. */
const CHROMIUM = process.env.MCPCTL_TEST_CHROMIUM ?? '/usr/bin/chromium';

const STREAMS_REFUSED = 'you already have 8 event streams open; close a dashboard tab';

function agent(name: string, fields: Partial<LiveAgentView> = {}): LiveAgentView {
  const at = new Date().toISOString();
  return {
    id: `id-${name}`, name, kind: 'public', llm: 'qwen3', llmState: 'pinned', description: null, systemPrompt: null, project: null, defaultParams: {},
    extras: {}, visibility: 'public', ownerId: null, owner: null, status: 'active', createdAt: at, updatedAt: at, mayRun: true, ...fields,
  };
}

function auditRecord(id: number, fields: Partial<AuditRecordView> = {}): AuditRecordView {
  return {
    id: String(id), at: '2026-03-01T23:30:05.000Z', userId: 'u1', userName: 'alice', userDeleted: false, llmName: 'qwen3', servedBy: null, endpoint: '/v1/chat/completions',
    streaming: true, status: 200, latencyMs: 870, firstTokenMs: 120, queueMs: null, promptTokens: 10, completionTokens: 6, error: null, agentName: null,
    requestId: null, ...fields,
  };
}

/*
 * The dashboard page in a real Chromium, against a fake mcpd speaking its dialect (support/fake-mcpd.ts),
 * for what the page itself does with mcpd's answers: refusals, failures, a role change, the layout.
 */
describe('the dashboard page', () => {
  let mcpd: FakeMcpd;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or point MCPCTL_TEST_CHROMIUM at one`);
    mcpd = await FakeMcpd.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    await mcpd?.close();
  });
  beforeEach(() => mcpd.reset());
  afterEach(async () => context?.close());

  const open = async (viewport = { width: 1200, height: 800 }): Promise<Page> => {
    context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(`${mcpd.url}/ui/`);
    await page.fill('input[name=token]', 'a-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('header .user');
    return page;
  };
  const text = (page: Page, selector: string) => page.locator(selector).first().textContent();

  it('keeps the conversation, the draft, the chosen model and a running answer while another view is shown', async () => {
    mcpd.lists.llms = [llm('qwen3'), llm('other')];
    let finish = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    mcpd.on('/v1/chat/completions', async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(chatChunk('Hel'));
      await finished;
      response.write(chatChunk('lo'));
      response.end('data: [DONE]\n\n');
    });
    const page = await open();
    await page.click('button[data-tab=playground]');
    await page.selectOption('select[name=model]', 'other');
    await page.fill('textarea[name=message]', 'Say hello');
    await page.click('form.compose button[type=submit]');
    await expect.poll(() => text(page, '[data-role=assistant] .content')).toBe('Hel');
    await page.fill('textarea[name=message]', 'and then?');

    await page.click('button[data-tab=llms]');
    await page.locator('tr[data-llm=qwen3]').waitFor();
    finish();
    await page.click('button[data-tab=playground]');
    await expect.poll(() => text(page, '[data-role=assistant] .content')).toBe('Hello');
    expect(await text(page, '[data-role=user] .content')).toBe('Say hello');
    expect(await page.inputValue('textarea[name=message]')).toBe('and then?');
    expect(await page.inputValue('select[name=model]')).toBe('other');
  });

  it("shows mcpd's own reason when it turns the live stream down, and does not claim it was never reached", async () => {
    mcpd.on('/api/v1/events', (_request, response) => json(response, 429, { error: STREAMS_REFUSED }));
    const page = await open();
    await expect.poll(() => text(page, 'header .connection')).toBe(`reconnecting — ${STREAMS_REFUSED}`);
    const note = (await text(page, '[data-stale]')) ?? '';
    expect(note).not.toMatch(/not been reached/);
    expect(note).toMatch(/turned the live stream down/);
    expect(await page.locator('main').textContent()).not.toMatch(/Loading/);
    // The playground's model list comes from the same stream: it says why it is empty too.
    await page.click('button[data-tab=playground]');
    await expect.poll(() => text(page, '[data-stale]')).toMatch(/turned the live stream down/);
  });

  it("clears the audit's rows when a read fails, and shows mcpd's refusal as it is", async () => {
    const refusal = 'reading the audit of another user needs the view:audit permission; a member reads their own';
    mcpd.audit = [auditRecord(2), auditRecord(1)];
    mcpd.on('/api/v1/audit', (_request, response, url) => (url.searchParams.get('user') === 'bob' ? json(response, 403, { error: refusal }) : json(response, 200, mcpd.audit)));
    const page = await open();
    await page.click('button[data-tab=audit]');
    await expect.poll(() => page.locator('tr[data-audit]').count()).toBe(2);
    await page.fill('input[name=user]', 'bob');
    await page.press('input[name=user]', 'Enter');
    await expect.poll(() => text(page, '[role=alert]')).toBe(refusal);
    expect(await page.locator('tr[data-audit]').count()).toBe(0);
  });

  it('refreshes the usage and the audit on demand, saying when they were read', async () => {
    const row = { key: 'qwen3', requests: 1, errors: 0, promptTokens: 10, completionTokens: 6, latencyP50Ms: 800, latencyP95Ms: 900, firstTokenP50Ms: 100, firstTokenP95Ms: 120 };
    mcpd.usage = { ...mcpd.usage, rows: [row] };
    mcpd.audit = [auditRecord(1)];
    const page = await open();
    await page.click('button[data-tab=usage]');
    await expect.poll(() => text(page, 'tr[data-usage=qwen3] td:nth-child(2)')).toBe('1');
    expect(await text(page, '[data-fetched-at]')).toMatch(/as of \d\d:\d\d:\d\d UTC/);
    mcpd.usage = { ...mcpd.usage, rows: [{ ...row, requests: 2 }] };
    await page.click('button[name=refresh]');
    await expect.poll(() => text(page, 'tr[data-usage=qwen3] td:nth-child(2)')).toBe('2');

    await page.click('button[data-tab=audit]');
    await expect.poll(() => page.locator('tr[data-audit]').count()).toBe(1);
    expect(await text(page, '[data-fetched-at]')).toMatch(/as of \d\d:\d\d:\d\d UTC/);
    mcpd.audit = [auditRecord(2), auditRecord(1)];
    await page.click('button[name=refresh]');
    await expect.poll(() => page.locator('tr[data-audit]').count()).toBe(2);
  });

  it('marks the models a viewer may not run, offers none of them, and marks an offline one', async () => {
    mcpd.status = statusOf({ name: 'vera', role: 'viewer', grants: ['view:llms', 'view:agents'] });
    mcpd.lists.llms = [llm('qwen3', { mayRun: false }), llm('desk', { kind: 'virtual', status: 'inactive', mayRun: false })];
    const page = await open();
    await page.click('button[data-tab=playground]');
    await page.locator('[data-none-runnable]').waitFor();
    expect(await page.locator('select[name=model] option[value=qwen3]').isDisabled()).toBe(true);
    expect(await text(page, 'select[name=model] option[value=qwen3]')).toBe('qwen3 (needs run:llms)');
    await page.fill('textarea[name=message]', 'Hello?');
    expect(await page.locator('form.compose button[type=submit]').isDisabled()).toBe(true);

    // Given run:llms on the workstation's LLM only, mcpd reads the caller's lists again and sends
    // them: it may pick that one, marked offline.
    mcpd.status = statusOf({ name: 'vera', role: 'viewer', grants: ['view:llms', 'run:llms:virtual'] });
    mcpd.push('llms', [llm('qwen3', { mayRun: false }), llm('desk', { kind: 'virtual', status: 'inactive' })]);
    await expect.poll(() => text(page, 'select[name=model] option[value=desk]'), { timeout: 10_000 }).toBe('desk (offline)');
    expect(await page.locator('select[name=model] option[value=desk]').isDisabled()).toBe(false);
    expect(await page.inputValue('select[name=model]')).toBe('desk');
    expect(await page.locator('select[name=model] option[value=qwen3]').isDisabled()).toBe(true);
  });

  it("says an agent's gone LLM is not one the user can see, not that it was deleted", async () => {
    mcpd.lists.agents = [agent('orphan', { llm: 'alpha', llmState: 'gone' })];
    const page = await open();
    await page.click('button[data-tab=agents]');
    const status = (await text(page, 'tr[data-agent=orphan] td:nth-child(4)')) ?? '';
    expect(status).toBe('cannot answer: its LLM is not one you can see (deleted, or private)');
  });

  it('names a pool member held back after a failure, and for how long', async () => {
    mcpd.lists.llms = [llm('gpu-a', { poolName: 'gpu' }), llm('gpu-b', { poolName: 'gpu' })];
    mcpd.lists.pools = [{ name: 'gpu', members: ['gpu-a', 'gpu-b'], active: 2, hibernating: 0, inactive: 0, inFlight: 0, queued: 0, oldestWaitMs: 0, coolingDown: [{ name: 'gpu-b', msLeft: 17_400 }] }];
    const page = await open();
    await page.click('button[data-tab=pools]');
    expect(await text(page, 'tr[data-pool=gpu] [data-member=gpu-b]')).toContain('failed a moment ago: asked after the others for 18 s more');
    expect(await text(page, 'tr[data-pool=gpu] [data-member=gpu-a]')).not.toContain('failed');
  });

  it('fits a phone-wide screen in the playground with a long model name', async () => {
    const long = 'a'.repeat(20) + '-very-long-model-name-published-from-a-workstation-x';
    expect(long.length).toBeGreaterThanOrEqual(63);
    mcpd.lists.llms = [llm(long)];
    const page = await open({ width: 375, height: 700 });
    await page.click('button[data-tab=playground]');
    await page.locator(`select[name=model] option[value="${long}"]`).waitFor({ state: 'attached' });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
  });

  it('opens a usage chart wider than its box at its newest hours, and fits 30 days in a laptop window', async () => {
    mcpd.on('/api/v1/usage', (_request, response, url) => {
      const until = Date.now();
      const days = url.searchParams.get('since') === '30d' ? 30 : 1;
      const hour = new Date(Math.floor(until / 3_600_000) * 3_600_000).toISOString();
      const counts = { key: 'qwen3', requests: 3, errors: 0, promptTokens: 3, completionTokens: 3 };
      const row = { ...counts, latencyP50Ms: 1, latencyP95Ms: 1, firstTokenP50Ms: null, firstTokenP95Ms: null };
      return json(response, 200, { ...mcpd.usage, since: new Date(until - days * 86_400_000).toISOString(), until: new Date(until).toISOString(), rows: [row], hours: [{ ...counts, hour }] });
    });
    const phone = await open({ width: 375, height: 700 });
    await phone.click('button[data-tab=usage]');
    await phone.locator('figure.chart svg').waitFor();
    const scrolled = () => phone.evaluate<{ left: number; room: number }>("(() => { const box = document.querySelector('figure.chart'); return { left: box.scrollLeft, room: box.scrollWidth - box.clientWidth }; })()");
    await expect.poll(async () => (await scrolled()).room).toBeGreaterThan(0);
    expect(await scrolled()).toEqual({ left: (await scrolled()).room, room: (await scrolled()).room });

    const laptop = await open({ width: 1280, height: 800 });
    await laptop.click('button[data-tab=usage]');
    await laptop.selectOption('select[name=since]', '30d');
    await expect.poll(() => laptop.evaluate<number>("document.querySelectorAll('figure.chart g[data-hour]').length")).toBeGreaterThanOrEqual(720);
    expect(await laptop.evaluate<number>("(() => { const box = document.querySelector('figure.chart'); return box.scrollWidth - box.clientWidth; })()")).toBe(0);
  });

  it('wraps one long unbroken value inside its cell: the table keeps to its box and names stay on one line', async () => {
    const model = `Ωmega/${'模型-😀-x'.repeat(20)}`;
    mcpd.lists.llms = [{ ...llm('alice-desk'), model }, llm('llama-a')];
    const page = await open({ width: 1280, height: 800 });
    await page.locator('tr[data-llm="alice-desk"]').waitFor();
    const sizes = await page.evaluate<{ table: number; box: number }>("(() => { const table = document.querySelector('table'); return { table: table.scrollWidth, box: table.parentElement.clientWidth }; })()");
    expect(sizes.table).toBeLessThanOrEqual(sizes.box);
    // The names are whole: not broken at their hyphens to make room.
    expect(await page.locator('tr[data-llm="llama-a"] td:first-child').evaluate((cell) => cell.scrollWidth <= cell.clientWidth)).toBe(true);
    expect(await page.locator('tr[data-llm="alice-desk"] td:first-child').evaluate((cell) => getComputedStyle(cell).whiteSpace)).toBe('nowrap');
    // The short cells beside the long one keep each word on one line: only the model's cell wraps.
    const linesOf = (nth: number) =>
      page.locator(`tr[data-llm="alice-desk"] td:nth-child(${nth})`).evaluate((cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
      });
    for (const nth of [2, 4, 5, 7, 12]) expect(await linesOf(nth)).toBe(1);
    expect(await linesOf(6)).toBeGreaterThan(1);
  });

  it('says what to check when mcpd does not answer a login', async () => {
    mcpd.on('/api/v1/status', (request) => request.socket.destroy());
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${mcpd.url}/ui/`);
    await page.fill('input[name=token]', 'a-token');
    await page.click('button[type=submit]');
    await expect.poll(() => text(page, '[role=alert]')).toBe('mcpd did not answer: check that it is running and that this browser can reach it');
  });

  it("tells a proxy's 502 at reload in one line, offers Log out, and gets in by itself once mcpd answers", async () => {
    const page = await open();
    let refusals = 2;
    mcpd.on('/api/v1/status', (_request, response) => {
      if (refusals-- > 0) return response.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
      return json(response, 200, mcpd.status);
    });
    await page.reload();
    await expect.poll(() => text(page, '[role=alert]')).toBe('mcpd did not answer its proxy (502): check that mcpd is running. The page asks again every 5 s.');
    expect(await page.locator('button[name=logout]').count()).toBe(1);
    // Asked again every 5 s, however many times it fails.
    await page.locator('header .user').waitFor({ timeout: 20_000 });

    refusals = 1;
    await page.reload();
    await page.locator('[role=alert]').waitFor();
    await page.click('button[name=logout]');
    await page.locator('input[name=token]').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('mcpctl.token')")).toBeNull();
  });

  it('follows a role change told by the live stream in the header', async () => {
    mcpd.status = statusOf({ name: 'alice', admin: true, role: 'admin', grants: ['*'] });
    const page = await open();
    expect(await text(page, 'header .user')).toBe('alice (admin)');
    // What mcpd does on a change of access: it reads the caller again and sends what changed, here
    // the role alone (the grants it keeps by a binding leave every list as it was).
    mcpd.push('access', statusOf({ name: 'alice', role: 'member', grants: ['*'] }).user);
    await expect.poll(() => text(page, 'header .user'), { timeout: 5_000 }).toBe('alice (member)');
    mcpd.push('access', statusOf({ name: 'alice', role: null, grants: ['*'] }).user);
    await expect.poll(() => text(page, 'header .user'), { timeout: 5_000 }).toBe('alice (no role)');
  });

  it('sends on Enter, starts a new line on Shift+Enter, and sends no blank message', async () => {
    mcpd.lists.llms = [llm('qwen3')];
    const page = await open();
    await page.click('button[data-tab=playground]');
    await page.locator('select[name=model] option[value=qwen3]').waitFor({ state: 'attached' });
    await page.fill('textarea[name=message]', '   ');
    expect(await page.locator('form.compose button[type=submit]').isDisabled()).toBe(true);
    await page.fill('textarea[name=message]', 'first line');
    await page.press('textarea[name=message]', 'Shift+Enter');
    await page.locator('textarea[name=message]').pressSequentially('second');
    expect(await page.inputValue('textarea[name=message]')).toBe('first line\nsecond');
    await page.press('textarea[name=message]', 'Enter');
    await expect.poll(() => text(page, '[data-role=assistant] .content')).toBe('Hello there');
    expect(await text(page, '[data-role=user] .content')).toBe('first line\nsecond');
  });

  it('names the usage columns with capitals, says when no request came through an agent, tells audit times in UTC as the chart does, and marks a deleted user', async () => {
    mcpd.usage = { ...mcpd.usage, rows: [{ key: 'qwen3', requests: 1, errors: 0, promptTokens: 1, completionTokens: 1, latencyP50Ms: 1, latencyP95Ms: 1, firstTokenP50Ms: null, firstTokenP95Ms: null }] };
    mcpd.on('/api/v1/usage', (_request, response, url) => json(response, 200, url.searchParams.get('by') === 'agent' ? { ...mcpd.usage, by: 'agent', rows: [] } : { ...mcpd.usage, by: url.searchParams.get('by') }));
    mcpd.audit = [auditRecord(2, { userId: 'u0', userDeleted: true }), auditRecord(1)];
    const page = await open();
    await page.click('button[data-tab=usage]');
    await expect.poll(() => text(page, 'table.usage th')).toBe('LLM');
    await page.selectOption('select[name=by]', 'user');
    await expect.poll(() => text(page, 'table.usage th')).toBe('User');
    await page.selectOption('select[name=by]', 'agent');
    await expect.poll(() => text(page, 'main p.muted')).toBe('No requests through an agent in that window.');

    await page.click('button[data-tab=audit]');
    await page.locator('tr[data-audit]').first().waitFor();
    expect(await text(page, 'table.audit th')).toBe('When (UTC)');
    expect(await text(page, 'tr[data-audit] td')).toBe('2026-03-01 23:30:05');
    // A user deleted since is named as usage by user and the user filter name it.
    expect(await page.locator('tr[data-audit] td:nth-child(2)').allTextContents()).toEqual(['alice (deleted)', 'alice']);
  });
});
