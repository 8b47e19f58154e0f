/**
 * Browser tests of the generated docs site: built with `generateDocs` into a temp folder, opened from
 * disk (file://) in headless Debian Chromium driven by playwright-core. One browser for the file; every
 * test opens its own context, and `afterEach` fails the test on any console error, page error, failed
 * load or request that is not file://.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AxeResults, ImpactValue, RunOptions } from 'axe-core';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generateDocs } from '../../generator/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AI_SDK_SPEC = path.join(ROOT, 'spec/ai-sdk.asyncapi.yaml');
const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PWNED = '<script>window.__pwned=1</script>';
const PWNED_IMG = '"><img src=x onerror="window.__pwned=1">';

// The callbacks given to page.evaluate run in the page. The project's tsconfig has no DOM lib (the
// runtime is Node-only), so these module-scoped declarations type the few browser globals they use.
interface PageElement {
  readonly id: string;
  readonly textContent: string | null;
  readonly classList: { contains(name: string): boolean };
  readonly parentElement: PageElement | null;
  open?: boolean;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
  contains(other: PageElement | null): boolean;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getBoundingClientRect(): { top: number; bottom: number; right: number; height: number };
  checkVisibility(): boolean;
}
declare const document: {
  readonly documentElement: PageElement & {
    readonly dataset: Record<string, string | undefined>;
    readonly scrollWidth: number;
    readonly clientWidth: number;
  };
  readonly activeElement: PageElement | null;
  readonly body: PageElement;
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getAnimations(): ArrayLike<{ playState: string }>;
};
declare const window: {
  readonly innerHeight: number;
  __pwned?: unknown;
  __latency?: { start: number; end: number };
  addEventListener(type: string, listener: () => void, options: { capture: boolean; once: boolean }): void;
};
declare const location: { hash: string };
declare const navigator: { readonly clipboard: { readText(): Promise<string> } };
declare const localStorage: { setItem(k: string, v: string): void; getItem(k: string): string | null };
declare const getComputedStyle: (el: PageElement) => { getPropertyValue(name: string): string };
declare const requestAnimationFrame: (callback: () => void) => void;
declare const MutationObserver: new (
  callback: () => void,
) => { observe(target: PageElement, options: Record<string, boolean>): void; disconnect(): void };
declare const axe: { run(context: unknown, options: RunOptions): Promise<AxeResults> };

let browser: Browser;
let tmp: string;
let aiSdkIndex: string;

async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the docs site browser tests need it. Install it with ` +
        '`apt-get install -y chromium` (Debian; .ci/run does this), or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  } catch (error) {
    throw new Error(`Chromium at ${CHROMIUM} did not start (reinstall it: \`apt-get install -y chromium\`)`, {
      cause: error,
    });
  }
}

/** Builds the docs site of `spec` into `<tmp>/<name>` and returns the file path of its index.html. */
async function buildSite(spec: string, name: string): Promise<string> {
  const out = path.join(tmp, name);
  await generateDocs({ spec, out });
  return path.join(out, 'index.html');
}

/** One page in a fresh context, with everything the page logs, throws or requests recorded. */
interface Visit {
  readonly page: Page;
  readonly problems: string[];
  readonly requests: string[];
}
const visits: Visit[] = [];

async function visit(file: string, hash = '', options: BrowserContextOptions = {}): Promise<Visit> {
  const context = await browser.newContext({
    colorScheme: 'light',
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  // Belt and braces: the recorded requests below are asserted file:// only; nothing else may even leave.
  await context.route('**/*', (route) =>
    route.request().url().startsWith('file://') ? route.continue() : route.abort('blockedbyclient'),
  );
  const page = await context.newPage();
  const v: Visit = { page, problems: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') v.problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => v.problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => v.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('request', (r) => {
    v.requests.push(r.url());
  });
  visits.push(v);
  await page.goto(pathToFileURL(file).href + hash);
  return v;
}

/** Types `query` into the search box, replacing what it held. */
async function typeQuery(page: Page, query: string): Promise<void> {
  await page.locator('#search').fill('');
  await page.locator('#search').focus();
  await page.keyboard.type(query);
}

/** Types `query` into the search box and waits for an option (linking to `href` when given). */
async function search(page: Page, query: string, href?: string): Promise<void> {
  await typeQuery(page, query);
  // Results for the whole query, not for a prefix the debounce let through while typing (under load,
  // a later render would reset the selection the caller is about to make).
  const option = href ? `a[href="${href}"]` : 'a';
  await page
    .locator(`#search-results[data-query=${JSON.stringify(query)}] [role="option"] ${option}`)
    .first()
    .waitFor({ state: 'visible' });
}

/** The href of the current search result, whichever way the site marks it (selection, focus or active descendant). */
function activeResult(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const list = document.getElementById('search-results');
    if (!list) return null;
    const hrefOf = (el: PageElement | null | undefined): string | null =>
      el ? (el.getAttribute('href') ?? el.querySelector('a')?.getAttribute('href') ?? null) : null;
    const selected = list.querySelector('[role="option"][aria-selected="true"]');
    if (selected) return hrefOf(selected);
    const focused = document.activeElement;
    if (focused && list.contains(focused)) return hrefOf(focused.closest('[role="option"]') ?? focused);
    const descendant = focused?.getAttribute('aria-activedescendant');
    return descendant ? hrefOf(document.getElementById(descendant)) : null;
  });
}

/** Presses ArrowDown until the current result links to `href` (or every result has been tried). */
async function arrowTo(page: Page, href: string): Promise<void> {
  const count = await page.locator('#search-results [role="option"]').count();
  for (let i = 0; i <= count && (await activeResult(page)) !== href; i++) await page.keyboard.press('ArrowDown');
  expect(await activeResult(page)).toBe(href);
}

/** Waits until `#id` is the one `is-target`, in the viewport, with every enclosing <details> open. */
async function expectTarget(page: Page, id: string): Promise<void> {
  const state = () =>
    page.evaluate((targetId) => {
      const el = document.getElementById(targetId);
      const rect = el?.getBoundingClientRect();
      let closedDetails = 0;
      for (let d = el?.closest('details') ?? null; d; d = d.parentElement?.closest('details') ?? null) {
        if (!d.open) closedDetails++;
      }
      return {
        hash: location.hash,
        isTarget: el?.classList.contains('is-target') ?? false,
        targets: Array.from(document.querySelectorAll('.is-target'), (t) => t.id),
        inViewport: !!rect && rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight,
        visible: el?.checkVisibility() ?? false,
        closedDetails,
      };
    }, id);
  const want = { hash: `#${id}`, isTarget: true, targets: [id], inViewport: true, visible: true, closedDetails: 0 };
  // Scrolling may be smooth: poll for up to 3 s, then compare once more for a readable diff.
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && JSON.stringify(await state()) !== JSON.stringify(want)) await page.waitForTimeout(50);
  expect(await state()).toEqual(want);
}

/** The page's theme and what the theme button says (its text). */
function theme(page: Page): Promise<{ theme: string | undefined; label: string | null }> {
  return page.evaluate(() => ({
    theme: document.documentElement.dataset.theme,
    label: document.getElementById('theme-toggle')?.textContent ?? null,
  }));
}

/** What the theme button must say in each theme: the action a press takes. */
const THEME_LABEL = { light: 'Switch to dark theme', dark: 'Switch to light theme' } as const;

/** Waits until no CSS transition or animation runs (a theme switch may fade colours). */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => Array.from(document.getAnimations()).every((a) => a.playState !== 'running'), null, {
    timeout: 5000,
  });
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'asyncapi-nats-docs-'));
  [browser, aiSdkIndex] = await Promise.all([launchChromium(), buildSite(AI_SDK_SPEC, 'ai-sdk')]);
});

afterEach(async () => {
  const done = visits.splice(0);
  await Promise.all(done.map((v) => v.page.context().close()));
  for (const v of done) {
    expect(v.problems).toEqual([]);
    expect(v.requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
  }
});

afterAll(async () => {
  await browser?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('docs site (ai-sdk)', () => {
  test('docs site - opens from disk with its assets and a section per operation and channel', async () => {
    const { page, requests } = await visit(aiSdkIndex);
    expect(page.url()).toMatch(/^file:\/\/.*\/index\.html$/);
    const loaded = requests.map((url) => path.relative(path.dirname(aiSdkIndex), fileURLToPath(url)));
    expect(loaded).toEqual(
      expect.arrayContaining(['index.html', 'assets/site.css', 'assets/site.js', 'search-index.js']),
    );

    const spec = parseYaml(await fs.readFile(AI_SDK_SPEC, 'utf8')) as {
      operations: Record<string, unknown>;
      channels: Record<string, unknown>;
      servers: Record<string, unknown>;
      components: { messages: Record<string, unknown> };
    };
    const ids = (selector: string) => page.locator(selector).evaluateAll((els) => els.map((el) => el.id as string));
    expect((await ids('section.operation')).sort()).toEqual(
      Object.keys(spec.operations)
        .map((id) => `op-${id}`)
        .sort(),
    );
    expect((await ids('section.channel')).sort()).toEqual(
      Object.keys(spec.channels)
        .map((id) => `channel-${id}`)
        .sort(),
    );
    expect((await ids('section.message')).sort()).toEqual(
      Object.keys(spec.components.messages)
        .map((name) => `message-${name}`)
        .sort(),
    );

    expect(await page.locator('input#search[type="search"][aria-label="Search"]').count()).toBe(1);
    expect(await page.locator('ul#search-results[role="listbox"]').count()).toBe(1);
    expect(await page.locator('button#theme-toggle[type="button"]:not([hidden])').count()).toBe(1);
    expect(await page.locator('section.server').count()).toBe(Object.keys(spec.servers).length);
    expect(await page.locator('details.schema').count()).toBeGreaterThan(0);
    // Beside the page, the contents are open (their fold has no summary to show there).
    expect(await page.locator('#toc').evaluate((d) => d.open)).toBe(true);
    expect(await page.locator('#toc > summary').isVisible()).toBe(false);
  });

  test('docs site - searching a subject lists its channel, and Enter opens it', async () => {
    const { page } = await visit(aiSdkIndex);
    await search(page, 'ai.agent.tasks', '#channel-agentTasks');
    await arrowTo(page, '#channel-agentTasks');
    await page.keyboard.press('Enter');
    await expectTarget(page, 'channel-agentTasks');
  });

  test('docs site - searching a payload field finds its message, and a click opens it', async () => {
    const { page } = await visit(aiSdkIndex);
    await search(page, 'task_id', '#message-AgentTask');
    await page.locator('#search-results [role="option"] a[href="#message-AgentTask"]').first().click();
    await expectTarget(page, 'message-AgentTask');
  });

  test('docs site - a deep link lands on its operation, on reload, hashchange and back', async () => {
    const { page } = await visit(aiSdkIndex, '#op-requestChatCompletion');
    await expectTarget(page, 'op-requestChatCompletion');
    await page.reload();
    await expectTarget(page, 'op-requestChatCompletion');
    await page.evaluate(() => {
      location.hash = '#channel-gatewayResponses';
    });
    await expectTarget(page, 'channel-gatewayResponses');
    await page.goBack();
    await expectTarget(page, 'op-requestChatCompletion');
  });

  test('docs site - the theme button flips data-theme and its label, and the choice persists across reload', async () => {
    const { page } = await visit(aiSdkIndex);
    const before = await theme(page);
    expect(['light', 'dark']).toContain(before.theme);
    expect(before.label).toBe(THEME_LABEL[before.theme as 'light' | 'dark']);

    await page.locator('#theme-toggle').click();
    const after = await theme(page);
    const flipped = before.theme === 'dark' ? 'light' : 'dark';
    expect(after).toEqual({ theme: flipped, label: THEME_LABEL[flipped] });

    const storageWorks = await page.evaluate(() => {
      try {
        localStorage.setItem('asyncapi-nats-probe', '1');
        return localStorage.getItem('asyncapi-nats-probe') === '1';
      } catch {
        return false;
      }
    });
    await page.reload();
    expect(await theme(page)).toEqual(storageWorks ? after : before);

    // Operable from the keyboard too: Space on the focused toggle flips it back.
    await page.locator('#theme-toggle').focus();
    await page.keyboard.press('Space');
    expect(await theme(page)).toEqual(storageWorks ? before : after);
  });

  test('docs site - the theme button says what a press does, in both themes, to assistive technology too', async () => {
    // The label names the action ("Switch to dark theme"), so it changes with the theme; such a button
    // must not also be a toggle (WAI-ARIA APG: "Light theme, pressed" would contradict the screen).
    const { page } = await visit(aiSdkIndex, '', { colorScheme: 'dark' });
    const toggle = page.locator('#theme-toggle');
    const seen: { theme: string | undefined; name: string | undefined; pressed: string | null }[] = [];
    for (let i = 0; i < 2; i++) {
      const snapshot = await toggle.ariaSnapshot();
      seen.push({
        theme: (await theme(page)).theme,
        name: /button "([^"]*)"/.exec(snapshot)?.[1],
        pressed: await toggle.getAttribute('aria-pressed'),
      });
      await toggle.click();
    }
    // The system prefers dark, so the page opens dark and offers light first.
    expect(seen).toEqual([
      { theme: 'dark', name: 'Switch to light theme', pressed: null },
      { theme: 'light', name: 'Switch to dark theme', pressed: null },
    ]);
  });

  test('docs site - a saved theme is on before the body is parsed, so the page never flashes the other one', async () => {
    const { page } = await visit(aiSdkIndex, '', { colorScheme: 'light' });
    await page.locator('#theme-toggle').click();
    expect((await theme(page)).theme).toBe('dark');
    // On every load from now on: note the theme at the moment <body> enters the document.
    await page.addInitScript(() => {
      // Init scripts run before <html> exists: watch the whole document.
      const seen = new MutationObserver(() => {
        if (document.body) {
          (window as { __themeAtBody?: string }).__themeAtBody = document.documentElement.dataset.theme ?? 'none';
          seen.disconnect();
        }
      });
      seen.observe(document as unknown as PageElement, { childList: true, subtree: true });
    });
    await page.reload();
    expect(await page.evaluate(() => (window as { __themeAtBody?: string }).__themeAtBody)).toBe('dark');
  });

  test('docs site - keyboard: Tab reaches search and theme toggle, arrow keys move through results', async () => {
    const { page } = await visit(aiSdkIndex);
    const reached = new Set<string>();
    for (let i = 0; i < 40 && !(reached.has('search') && reached.has('theme-toggle')); i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    expect([...reached]).toEqual(expect.arrayContaining(['search', 'theme-toggle']));

    await search(page, 'agent');
    expect(await page.locator('#search-results [role="option"]').count()).toBeGreaterThan(2);
    await page.locator('#search').focus();
    await page.keyboard.press('ArrowDown');
    const first = await activeResult(page);
    await page.keyboard.press('ArrowDown');
    const second = await activeResult(page);
    expect(first).toMatch(/^#/);
    expect(second).toMatch(/^#/);
    expect(second).not.toBe(first);
    await page.keyboard.press('ArrowUp');
    expect(await activeResult(page)).toBe(first);
    await page.keyboard.press('Enter');
    await expectTarget(page, (first ?? '').slice(1));
  });

  test('docs site - subjects show their parameters and a copy button carries the subject', async () => {
    const { page } = await visit(aiSdkIndex, '', { permissions: ['clipboard-read', 'clipboard-write'] });
    const channel = page.locator('#channel-agentTasks');
    expect(await channel.locator('code.subject').first().textContent()).toContain('ai.agent.tasks.');
    expect(await channel.locator('code.subject span.param').first().textContent()).toBe('{tenant_id}');
    const copies = await channel
      .locator('button.copy[type="button"][data-copy]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-copy') as string));
    expect(copies).toContain('ai.agent.tasks.{tenant_id}');

    const button = channel.locator('button.copy[data-copy="ai.agent.tasks.{tenant_id}"]').first();
    await button.scrollIntoViewIfNeeded();
    await button.click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('ai.agent.tasks.{tenant_id}');
  });

  test('docs site - no console errors, page errors or network requests through a whole tour', async () => {
    const v = await visit(aiSdkIndex);
    const { page } = v;
    await search(page, 'ai.agent.tasks', '#channel-agentTasks');
    await arrowTo(page, '#channel-agentTasks');
    await page.keyboard.press('Enter');
    await search(page, 'task_id', '#message-AgentTask');
    await page.locator('#search-results a[href="#message-AgentTask"]').first().click();
    await page.locator('#theme-toggle').click();
    await page.goto(`${pathToFileURL(aiSdkIndex).href}#op-requestChatCompletion`);
    await page.reload();
    await expectTarget(page, 'op-requestChatCompletion');
    await page.evaluate(() => {
      for (const d of Array.from(document.querySelectorAll('details'))) d.open = true;
    });
    await page.waitForTimeout(200);
    // The recorder sees file:// loads (so an empty list of others means something), and nothing else.
    expect(v.requests.filter((url) => url.endsWith('/assets/site.js')).length).toBeGreaterThan(0);
    expect(v.requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
    expect(v.problems).toEqual([]);
  });

  test('docs site - no horizontal scroll on a 390 px phone, with every schema tree open, in both themes', async () => {
    const { page } = await visit(aiSdkIndex, '', { viewport: { width: 390, height: 844 }, reducedMotion: 'reduce' });
    const overflow = () =>
      page.evaluate(() => {
        const root = document.documentElement;
        // What sticks out, when something does: the outermost element past the right edge, outside code blocks.
        const culprits = Array.from(document.querySelectorAll('body *'))
          .filter((el) => {
            const right = (el as unknown as { getBoundingClientRect(): { right: number } }).getBoundingClientRect()
              .right;
            return right > root.clientWidth + 0.5 && !el.closest('pre');
          })
          .slice(0, 3)
          .map((el) => `${el.closest('section')?.id ?? 'page'}: ${el.textContent?.slice(0, 40)}`);
        return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, culprits };
      });
    expect(await overflow()).toEqual({ scrollWidth: 390, clientWidth: 390, culprits: [] });
    // The page starts with the API: the contents are folded above it, one tap away.
    expect(await page.locator('#toc').evaluate((d) => d.open)).toBe(false);
    await page.locator('#toc > summary').click();
    expect(await page.locator('nav.toc a[href="#op-requestChatCompletion"]').isVisible()).toBe(true);
    await page.evaluate(() => {
      for (const d of Array.from(document.querySelectorAll('details'))) d.open = true;
    });
    expect(await overflow()).toEqual({ scrollWidth: 390, clientWidth: 390, culprits: [] });
    await page.locator('#theme-toggle').click();
    await settled(page);
    expect(await overflow()).toEqual({ scrollWidth: 390, clientWidth: 390, culprits: [] });
    await fs.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs-ai-sdk-390.png') });
    // A deep link on a phone shows its heading (no bar covers it).
    await page.goto(`${pathToFileURL(aiSdkIndex).href}#message-AgentMessage`);
    await expectTarget(page, 'message-AgentMessage');
    const headingTop = await page.locator('#message-AgentMessage h3').evaluate((el) => el.getBoundingClientRect().top);
    expect(headingTop).toBeGreaterThanOrEqual(0);
  });

  test('docs site - no serious or critical accessibility violations in either theme; screenshots', async () => {
    const { page } = await visit(aiSdkIndex, '', { reducedMotion: 'reduce' });
    const require = createRequire(import.meta.url);
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    await fs.mkdir(ARTIFACTS, { recursive: true });

    const serious: string[] = [];
    const scan = async (label: string) => {
      // Schema trees are checked open too; the ones opened here are closed again for the screenshots.
      await page.locator('details:not([open])').evaluateAll((els) => {
        for (const d of els) {
          d.open = true;
          d.dataset.axeOpened = '';
        }
      });
      await settled(page);
      const violations = await page.evaluate(async () =>
        // preload: false, or axe would XHR the file:// stylesheet, which Chromium refuses (a console error).
        (await axe.run(document, { resultTypes: ['violations'], preload: false })).violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.length,
          first: `${v.nodes[0]?.target.join(' ')}: ${v.nodes[0]?.any[0]?.message ?? v.nodes[0]?.all[0]?.message ?? ''}`,
        })),
      );
      await page.locator('details[data-axe-opened]').evaluateAll((els) => {
        for (const d of els) {
          d.open = false;
          delete d.dataset.axeOpened;
        }
      });
      const count = (impact: ImpactValue) => violations.filter((v) => v.impact === impact).length;
      console.log(
        `docs site axe (${label} theme): ${count('critical')} critical, ${count('serious')} serious, ` +
          `${count('moderate')} moderate, ${count('minor')} minor` +
          violations.map((v) => `\n  ${v.impact} ${v.id} (${v.nodes} nodes): ${v.help}; first: ${v.first}`).join(''),
      );
      for (const v of violations) {
        if (v.impact === 'serious' || v.impact === 'critical')
          serious.push(`${label}: ${v.impact} ${v.id} — ${v.first}`);
      }
    };

    if ((await theme(page)).theme !== 'light') await page.locator('#theme-toggle').click();
    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs-ai-sdk.png'), fullPage: true });
    await scan('light');
    await page.locator('#theme-toggle').click();
    expect((await theme(page)).theme).toBe('dark');
    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs-ai-sdk-dark.png'), fullPage: true });
    await scan('dark');
    expect(serious).toEqual([]);
  });
});

/** Content types of the site's files, as a static host sends them. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/**
 * Serves `root` under `prefix` only, as GitHub Pages serves a project site (`/<repo>/...`): anything
 * outside the prefix is a 404, so a link or asset written as an absolute path fails the test. Every
 * file carries `Content-Security-Policy: default-src 'self'`, whose violations Chromium logs as errors.
 */
async function serveUnder(
  root: string,
  prefix: string,
): Promise<{ origin: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    paths.push(pathname);
    const rel = pathname.startsWith(prefix) ? decodeURIComponent(pathname.slice(prefix.length)) || 'index.html' : null;
    const file = rel === null ? null : path.resolve(root, rel);
    if (file === null || !file.startsWith(root + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    fs.readFile(file).then(
      (body) =>
        res
          .writeHead(200, {
            'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
            // The strictest policy a host may send: no inline script or style, nothing from elsewhere.
            'content-security-policy': "default-src 'self'",
          })
          .end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('docs site - served over HTTP from a sub-path (as GitHub Pages serves a project) under a strict CSP, every asset loads and search, theme and deep links work', async () => {
  const prefix = '/acme/ai-sdk/api-docs/';
  const host = await serveUnder(path.dirname(aiSdkIndex), prefix);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  try {
    // Nothing may leave for another origin; the site's own requests are recorded with their status.
    await context.route('**/*', (route) =>
      route.request().url().startsWith(host.origin) ? route.continue() : route.abort('blockedbyclient'),
    );
    const page = await context.newPage();
    const problems: string[] = [];
    const statuses: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => statuses.push(`${r.status()} ${new URL(r.url()).pathname}`));

    await page.goto(`${host.origin}${prefix}`);
    await page.locator('#theme-toggle:not([hidden])').waitFor();
    expect(statuses.sort()).toEqual(
      ['', 'assets/site.css', 'assets/site.js', 'search-index.js'].map((f) => `200 ${prefix}${f}`).sort(),
    );
    // Every link and asset of the page is relative (or a fragment, or another site's): none starts with `/`.
    const rooted = await page.evaluate(() =>
      Array.from(document.querySelectorAll('[href], [src]'))
        .map((el) => el.getAttribute('href') ?? el.getAttribute('src') ?? '')
        .filter((ref) => ref.startsWith('/')),
    );
    expect(rooted).toEqual([]);
    // The stylesheet applied, the script ran (theme button named), the search index loaded.
    expect(await page.locator('.top').evaluate((el) => getComputedStyle(el).getPropertyValue('position'))).toBe(
      'sticky',
    );
    expect((await theme(page)).label).toBe(THEME_LABEL.light);
    await search(page, 'task_id', '#message-AgentTask');
    await page.locator('#search-results [role="option"] a[href="#message-AgentTask"]').first().click();
    await expectTarget(page, 'message-AgentTask');
    expect(page.url()).toBe(`${host.origin}${prefix}#message-AgentTask`);
    await page.reload();
    await expectTarget(page, 'message-AgentTask');
    await page.locator('#theme-toggle').click();
    expect(await theme(page)).toEqual({ theme: 'dark', label: THEME_LABEL.dark });
    expect(problems).toEqual([]);
    expect(host.paths.filter((p) => !p.startsWith(prefix))).toEqual([]);
  } finally {
    await context.close();
    await host.close();
  }
});

/** A spec with `count` channels, each with a send and a receive operation and its own message. */
function manyChannelsSpec(count: number): string {
  const n = (i: number) => String(i).padStart(3, '0');
  const lines = ['asyncapi: 3.0.0', 'info:', '  title: Many channels', '  version: 1.0.0', 'channels:'];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  ch${n(i)}:`,
      `    address: bench.area${n(i)}.events.{tenant_id}`,
      `    description: Events of area ${n(i)}.`,
      '    parameters:',
      '      tenant_id:',
      '        description: Tenant id.',
      '    messages:',
      `      event${n(i)}:`,
      `        $ref: '#/components/messages/Event${n(i)}'`,
    );
  }
  lines.push('operations:');
  for (let i = 0; i < count; i++) {
    for (const [verb, action] of [
      ['publish', 'send'],
      ['receive', 'receive'],
    ] as const) {
      lines.push(
        `  ${verb}Event${n(i)}:`,
        `    action: ${action}`,
        `    summary: ${verb} the events of area ${n(i)}.`,
        `    channel: { $ref: '#/channels/ch${n(i)}' }`,
        `    messages: [ { $ref: '#/channels/ch${n(i)}/messages/event${n(i)}' } ]`,
      );
    }
  }
  lines.push('components:', '  messages:');
  for (let i = 0; i < count; i++) {
    lines.push(
      `    Event${n(i)}:`,
      `      name: Event${n(i)}`,
      '      payload:',
      '        type: object',
      '        required: [event_id]',
      '        properties:',
      '          event_id: { type: string, format: uuid }',
      `          reading_${n(i)}: { type: number, minimum: 0 }`,
      '          note: { type: string, maxLength: 200 }',
    );
  }
  return `${lines.join('\n')}\n`;
}

test('docs site - 300 channels: search answers a keypress quickly and the page stays responsive', async () => {
  const spec = path.join(tmp, 'many.asyncapi.yaml');
  await fs.writeFile(spec, manyChannelsSpec(300));
  let t = performance.now();
  const index = await buildSite(spec, 'many');
  const buildMs = performance.now() - t;

  t = performance.now();
  const { page } = await visit(index);
  const loadMs = performance.now() - t;
  expect(await page.locator('section.channel').count()).toBe(300);

  /** Arms an in-page probe: from the first keydown/input to the frame after `ready` holds on the results. */
  const arm = (ready: 'any' | 'ch150') =>
    page.evaluate((which) => {
      const probe = { start: 0, end: 0 };
      window.__latency = probe;
      const begin = () => {
        if (!probe.start) probe.start = performance.now();
      };
      window.addEventListener('keydown', begin, { capture: true, once: true });
      window.addEventListener('input', begin, { capture: true, once: true });
      const list = document.getElementById('search-results');
      if (!list) throw new Error('no #search-results');
      const visible = (sel: string) => Array.from(list.querySelectorAll(sel)).some((el) => el.checkVisibility());
      const done = () =>
        which === 'any'
          ? visible('[role="option"] a')
          : visible('a[href="#channel-ch150"]') && !visible('a[href="#channel-ch151"]');
      const observer = new MutationObserver(() => {
        if (probe.start && done()) {
          observer.disconnect();
          requestAnimationFrame(() => {
            probe.end = performance.now();
          });
        }
      });
      observer.observe(list, { childList: true, subtree: true, attributes: true, characterData: true });
    }, ready);
  const measured = async () => {
    await page.waitForFunction(() => (window.__latency?.end ?? 0) > 0, null, { timeout: 10_000 });
    return page.evaluate(() => (window.__latency ? window.__latency.end - window.__latency.start : -1));
  };

  // Broadest: one input event that matches all 300 channels.
  await page.locator('#search').focus();
  await arm('any');
  await page.keyboard.insertText('bench');
  const broadMs = await measured();

  // Narrowing by one keypress: `bench.area15` lists ten channels, the `0` leaves one.
  await search(page, 'bench.area15', '#channel-ch151');
  await arm('ch150');
  await page.keyboard.press('0');
  const keyMs = await measured();

  t = performance.now();
  const pong = await Promise.race([
    page.evaluate(() => 'pong'),
    new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 5 s'), 5000)),
  ]);
  expect(pong).toBe('pong');
  const evalMs = performance.now() - t;

  await arrowTo(page, '#channel-ch150');
  await page.keyboard.press('Enter');
  await expectTarget(page, 'channel-ch150');

  const html = await fs.stat(index);
  console.log(
    `docs site, 300 channels / 600 operations: build ${buildMs.toFixed(0)} ms, index.html ${(html.size / 1024).toFixed(0)} KiB, ` +
      `load ${loadMs.toFixed(0)} ms; search 'bench' (all match) ${broadMs.toFixed(1)} ms from input to results painted, ` +
      `keypress narrowing to one channel ${keyMs.toFixed(1)} ms; page.evaluate round trip after searching ${evalMs.toFixed(1)} ms`,
  );
});

/** Spec text whose prose, titles, examples and defaults try to break out of HTML, attributes and JS strings. */
function hostileSpec(): string {
  const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const breakouts = `${PWNED} ${PWNED_IMG} '; window.__pwned=1; ' "; window.__pwned=1; // </script><script>window.__pwned=1</script> [x](javascript:window.__pwned=1) {{constructor}} \${window.__pwned=1}`;
  return `asyncapi: 3.0.0
info:
  title: ${q(`Hostile ${PWNED}`)}
  version: 1.0.0
  description: |
    ${PWNED}
    ${PWNED_IMG}
    [click me](javascript:window.__pwned=1)
  license:
    name: ${q(PWNED)}
    url: 'javascript:window.__pwned=1'
  contact:
    name: ${q(PWNED_IMG)}
    url: 'javascript:window.__pwned=1'
  tags:
    - name: ${q(PWNED_IMG)}
      description: ${q(breakouts)}
servers:
  evil:
    host: '{region}.example.com:4222'
    protocol: nats
    title: ${q(PWNED)}
    summary: ${q(PWNED_IMG)}
    description: ${q(breakouts)}
    variables:
      region:
        description: ${q(PWNED_IMG)}
        enum: [${q(PWNED)}]
    security:
      - $ref: '#/components/securitySchemes/evil'
channels:
  notes:
    address: hostile.notes.{tenant_id}
    title: ${q(PWNED_IMG)}
    summary: ${q(breakouts)}
    description: ${q(PWNED)}
    parameters:
      tenant_id:
        description: ${q(PWNED_IMG)}
        examples: [${q(PWNED)}]
    messages:
      note:
        $ref: '#/components/messages/Note'
operations:
  sendNote:
    action: send
    title: ${q(PWNED)}
    summary: ${q(breakouts)}
    description: ${q(PWNED_IMG)}
    channel:
      $ref: '#/channels/notes'
components:
  securitySchemes:
    evil:
      type: userPassword
      description: ${q(breakouts)}
  messages:
    Note:
      name: Note
      title: ${q(PWNED_IMG)}
      summary: ${q(PWNED)}
      description: ${q(breakouts)}
      headers:
        type: object
        properties:
          x-note:
            type: string
            description: ${q(PWNED)}
            examples: [${q(PWNED_IMG)}]
      payload:
        type: object
        description: ${q(PWNED_IMG)}
        required: [text]
        properties:
          text:
            type: string
            description: ${q(PWNED)}
            default: ${q(PWNED_IMG)}
            examples: [${q(PWNED)}]
      examples:
        - name: hostile
          summary: ${q(PWNED)}
          payload:
            text: ${q(PWNED_IMG)}
`;
}

test('docs site - script and HTML in spec text are escaped, never executed', async () => {
  const spec = path.join(tmp, 'hostile.asyncapi.yaml');
  await fs.writeFile(spec, hostileSpec());
  const index = await buildSite(spec, 'hostile');
  const { page } = await visit(index);
  const state = () =>
    page.evaluate(() => ({
      pwned: window.__pwned,
      injectedImages: document.querySelectorAll('img[src="x"], img[onerror]').length,
      javascriptLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
      inlineHandlers: document.querySelectorAll('[onerror], [onload], [onclick]').length,
    }));
  const clean = { pwned: undefined, injectedImages: 0, javascriptLinks: 0, inlineHandlers: 0 };
  expect(await state()).toEqual(clean);
  // Escaped means shown as text, not silently dropped.
  const text = (await page.evaluate(() => document.body.textContent)) ?? '';
  expect(text).toContain(PWNED);
  expect(text).toContain(PWNED_IMG);
  // Server, security scheme, license and contact text too; a `javascript:` URL is shown as no link at all.
  expect(await page.locator('#server-evil ul.schemes li').count()).toBe(1);
  expect(await page.locator('#overview dd a').count()).toBe(0);

  for (const query of ['script', 'img', 'pwned', 'onerror', 'javascript', 'hostile.notes']) {
    await typeQuery(page, query);
    await page.waitForTimeout(100);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(50);
    expect(await state()).toEqual(clean);
  }
  await page.reload();
  expect(await state()).toEqual(clean);
});

test('docs site - an example that does not match its schema is marked in words, described to assistive technology, and passes axe in both themes', async () => {
  const index = await buildSite(path.join(ROOT, 'test/fixtures/specs/docs-invalid-example.asyncapi.yaml'), 'invalid');
  const { page } = await visit(index, '#message-Order', { reducedMotion: 'reduce' });
  const marked = await page.evaluate(() =>
    Array.from(document.querySelectorAll('figure.example')).map((f) => {
      const described = f.getAttribute('aria-describedby');
      return {
        caption: f.querySelector('figcaption')?.textContent ?? '',
        description: described ? (document.getElementById(described)?.textContent ?? '(missing)') : null,
        visible: described ? (document.getElementById(described)?.checkVisibility() ?? false) : null,
      };
    }),
  );
  expect(marked).toEqual([
    { caption: 'Example “good” of message Order', description: null, visible: null },
    {
      caption: 'Example “negative” of message Order does not match its schema',
      description:
        'Not a valid message: the generated code would reject this example (payload: Too small: expected number to be >=0 at total).',
      visible: true,
    },
    {
      caption: 'Generated example of message Order (built from the schema, validated)',
      description: null,
      visible: null,
    },
  ]);

  const require = createRequire(import.meta.url);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const serious: string[] = [];
  for (const label of ['light', 'dark']) {
    if ((await theme(page)).theme !== label) await page.locator('#theme-toggle').click();
    await settled(page);
    const violations = await page.evaluate(async () =>
      (
        await axe.run(document.querySelector('#message-Order'), { resultTypes: ['violations'], preload: false })
      ).violations.map((v) => `${v.impact} ${v.id}: ${v.nodes[0]?.target.join(' ')} ${v.nodes[0]?.any[0]?.message}`),
    );
    serious.push(...violations.filter((v) => /^(serious|critical) /.test(v)).map((v) => `${label}: ${v}`));
  }
  expect(serious).toEqual([]);
});

test('docs site - the Servers section (variables, security schemes) fits a 390 px phone and passes axe in both themes', async () => {
  const index = await buildSite(path.join(ROOT, 'test/fixtures/specs/docs-servers.asyncapi.yaml'), 'servers');
  const { page } = await visit(index, '#server-production', {
    viewport: { width: 390, height: 844 },
    reducedMotion: 'reduce',
  });
  await expectTarget(page, 'server-production');
  const schemes = await page.locator('#server-production ul.schemes li').allInnerTexts();
  expect(schemes.map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
    "userCreds (userPassword) A user and password from the account's NATS configuration.",
    "mtls (X509) A client certificate signed by the cluster's CA.",
  ]);
  const require = createRequire(import.meta.url);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const serious: string[] = [];
  for (const label of ['light', 'dark']) {
    if ((await theme(page)).theme !== label) await page.locator('#theme-toggle').click();
    await settled(page);
    const width = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    expect(width, `${label} theme`).toEqual([390, 390]);
    const violations = await page.evaluate(async () =>
      (
        await axe.run(document.querySelector('#server-production'), { resultTypes: ['violations'], preload: false })
      ).violations.map((v) => `${v.impact} ${v.id}: ${v.nodes[0]?.target.join(' ')} ${v.nodes[0]?.any[0]?.message}`),
    );
    serious.push(...violations.filter((v) => /^(serious|critical) /.test(v)).map((v) => `${label}: ${v}`));
  }
  expect(serious).toEqual([]);
});

test('docs site - a streamed reply (chunks, end, timeouts, window, stream errors) fits a 390 px phone and passes axe in both themes', async () => {
  const index = await buildSite(path.join(ROOT, 'test/fixtures/specs/docs-stream.asyncapi.yaml'), 'stream');
  const { page } = await visit(index, '#op-streamCompletion', {
    viewport: { width: 390, height: 844 },
    reducedMotion: 'reduce',
  });
  await expectTarget(page, 'op-streamCompletion');
  const facts = (await page.locator('#op-streamCompletion dl.facts').allInnerTexts()).join(' ');
  expect(facts.replace(/\s+/g, ' ')).toContain(
    "chunks CompletionChunk end CompletionEnd timeouts 20 s to the first chunk, 30 s idle, 10 min in total (what each means) window 16 chunks ahead of the caller's credit (flow control)",
  );
  // The meaning of the timeouts is one click away, on the same page.
  await page.locator('#op-streamCompletion a[href="#streaming"]').first().click();
  await expectTarget(page, 'streaming');
  const require = createRequire(import.meta.url);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const serious: string[] = [];
  for (const label of ['light', 'dark']) {
    if ((await theme(page)).theme !== label) await page.locator('#theme-toggle').click();
    await settled(page);
    const width = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    expect(width, `${label} theme`).toEqual([390, 390]);
    for (const id of ['op-streamCompletion', 'op-serveCompletion', 'streaming', 'stream-errors']) {
      const violations = await page.evaluate(
        async (section) =>
          (
            await axe.run(document.getElementById(section), { resultTypes: ['violations'], preload: false })
          ).violations.map(
            (v) => `${v.impact} ${v.id}: ${v.nodes[0]?.target.join(' ')} ${v.nodes[0]?.any[0]?.message}`,
          ),
        id,
      );
      serious.push(...violations.filter((v) => /^(serious|critical) /.test(v)).map((v) => `${label} ${id}: ${v}`));
    }
  }
  expect(serious).toEqual([]);
});
