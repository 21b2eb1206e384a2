/**
 * Headless-browser tests against a real platform: the test platform (PGlite, or PostgreSQL when
 * EGOV_TEST_DATABASE_URL is set) listening on a local port, driven by the system's Chromium
 * through playwright-core (no browser is ever downloaded). Helpers: an axe-core accessibility
 * check that fails on serious and critical violations, a login through the real form with the
 * TOTP step, screenshots for a human look (/tmp/egov-shots, never committed), and a record of
 * console errors, page errors and CSP violations, which also fail the check.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { AxeResults } from 'axe-core';
import { startTestPlatform, type TestPlatform } from './platform.ts';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, totpCode } from '../../src/modules/identity/index.ts';

export const CHROMIUM_PATH = process.env.EGOV_CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS_DIR = '/tmp/egov-shots';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync', '--lang=zh-CN'];

/** Fails loudly when Chromium is missing: a skipped browser test would hide every regression it guards. */
export function assertChromiumInstalled(): void {
  if (fs.existsSync(CHROMIUM_PATH)) return;
  throw new Error(
    `Chromium not found at ${CHROMIUM_PATH}. The browser tests need the system Chromium: ` +
      'run `apt-get install chromium` (Debian/Ubuntu) or set EGOV_CHROMIUM_PATH to a Chromium binary. ' +
      'Browsers are never downloaded by the test suite.',
  );
}

export interface BrowserHarness {
  tp: TestPlatform;
  baseUrl: string;
  browser: Browser;
  /** A fresh context (own cookies) and page, with console and CSP problems recorded. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Problems the page reported on its own (console errors, uncaught exceptions, CSP refusals). */
const pageProblems = new WeakMap<Page, string[]>();

export async function startBrowserHarness(opts: { seedDemo?: boolean } = {}): Promise<BrowserHarness> {
  assertChromiumInstalled();
  const tp = await startTestPlatform({ seedDemo: opts.seedDemo ?? true });
  let browser: Browser | null = null;
  try {
    const address = await tp.platform.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    const contexts: BrowserContext[] = [];
    const b = browser;
    return {
      tp,
      baseUrl: address,
      browser: b,
      async newPage() {
        const context = await b.newContext({ baseURL: address, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 900 } });
        // Generous: CI machines run two test processes on two cores; a slow page is not a failed journey.
        context.setDefaultTimeout(30_000);
        contexts.push(context);
        const page = await context.newPage();
        const problems: string[] = [];
        pageProblems.set(page, problems);
        page.on('console', (msg) => {
          // A failed subresource is reported below with its address; the console line carries none.
          if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console error on ${page.url()}: ${msg.text()}`);
        });
        page.on('response', (res) => {
          const req = res.request();
          // Documents may answer 4xx on purpose (a form shown again with errors); favicon requests are the browser's own.
          if (res.status() >= 400 && req.resourceType() !== 'document' && !req.url().endsWith('/favicon.ico')) {
            problems.push(`${req.resourceType()} ${req.url()} answered ${res.status()} (on ${page.url()})`);
          }
        });
        page.on('pageerror', (err) => problems.push(`uncaught exception on ${page.url()}: ${err.message}`));
        return page;
      },
      async close() {
        for (const c of contexts) await c.close().catch(() => undefined);
        await b.close();
        await tp.close();
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await tp.close();
    throw err;
  }
}

let axeSource: string | null = null;
function axeScript(): string {
  if (axeSource === null) axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

interface AxeWindow {
  axe?: { run(context: Document, options: { runOnly: { type: 'tag'; values: string[] }; resultTypes?: string[] }): Promise<AxeResults> };
}

export interface A11yViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page and fails on any serious or critical
 * violation, listing rule, help text and the offending nodes. Also fails when the page scrolls
 * sideways as a whole (reflow), logged a console error, threw, had a subresource fail, or had
 * something refused by the Content Security Policy.
 *
 * axe is injected through the DevTools protocol (page.evaluate), not a <script> tag: the platform's
 * CSP (script-src 'self') rightly refuses inline scripts, and the test keeps that CSP in force so
 * that a page breaking it is caught here too.
 */
export async function checkA11y(page: Page, label: string): Promise<A11yViolation[]> {
  await page.waitForLoadState('load');
  const present = await page.evaluate(() => typeof (window as unknown as AxeWindow).axe !== 'undefined');
  if (!present) await page.evaluate(axeScript());
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as AxeWindow).axe;
    if (!axe) throw new Error('axe-core did not load');
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'unknown', help: v.help, targets: v.nodes.map((n) => `${n.target.join(' ')}  ${n.html.slice(0, 160)}`) }));
  });
  // Reflow (WCAG 1.4.10): wide content scrolls inside its own box, never the whole page sideways.
  const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  if (width.scroll > width.client + 1) {
    results.push({ id: 'page-overflow', impact: 'serious', help: `the page is ${width.scroll}px wide in a ${width.client}px window, so the whole page scrolls sideways`, targets: ['html'] });
  }
  const failing = results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = results.filter((v) => !failing.includes(v));
  if (minor.length) console.log(`[a11y] ${label}: ${minor.map((v) => `${v.id} (${v.impact})`).join(', ')} (not failing)`);
  const problems = pageProblems.get(page) ?? [];
  const messages: string[] = [];
  if (failing.length) {
    messages.push(
      `${failing.length} serious/critical accessibility violation(s) on "${label}" (${page.url()}):\n` +
        failing.map((v) => `  - ${v.id} [${v.impact}] ${v.help}\n${v.targets.map((t) => `      at ${t}`).join('\n')}`).join('\n'),
    );
  }
  if (problems.length) messages.push(`page problems on "${label}":\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  problems.length = 0;
  if (messages.length) throw new Error(messages.join('\n'));
  return results;
}

/** Full-page screenshot to /tmp/egov-shots/<name>.png (for a human to look at; not an assertion). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** TOTP steps already used per account in this process: the server accepts each step only once. */
const usedSteps = new Map<string, number>();

/** A code the server will accept now: the current step, or the next one (±1 drift) when the current is used up. */
export async function freshTotpCode(loginName: string, secret: string = DEMO_TOTP_SECRET): Promise<string> {
  for (;;) {
    const now = Date.now();
    const step = Math.floor(now / 30_000);
    const last = usedSteps.get(loginName) ?? -1;
    const use = Math.max(step, last + 1);
    if (use <= step + 1) {
      usedSteps.set(loginName, use);
      return totpCode(secret, new Date(use * 30_000 + 1_000));
    }
    await new Promise((r) => setTimeout(r, (step + 1) * 30_000 - now + 50));
  }
}

/**
 * Logs in through the real login form; when the account has a second factor, fills the 6-digit
 * code on the TOTP page. Ends on the page the platform sends the user to (the workbench for staff).
 */
export async function loginThroughForm(page: Page, user: { loginName: string; password?: string; totpSecret?: string; label?: string }): Promise<void> {
  await page.goto('/login');
  await checkA11y(page, `登录 (${user.label ?? user.loginName})`);
  await page.getByRole('textbox', { name: '登录名', exact: true }).fill(user.loginName);
  await page.getByRole('textbox', { name: '口令', exact: true }).fill(user.password ?? DEMO_PASSWORD);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '登录', exact: true }).click()]);
  if (new URL(page.url()).pathname === '/login') throw new Error(`login of ${user.loginName} refused: ${await flashText(page)}`);
  if (new URL(page.url()).pathname === '/login/totp') {
    await checkA11y(page, '动态口令验证');
    await page.getByRole('textbox', { name: '动态口令', exact: true }).fill(await freshTotpCode(user.loginName, user.totpSecret));
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '验证' }).click()]);
    if (new URL(page.url()).pathname === '/login/totp') throw new Error(`TOTP of ${user.loginName} refused: ${await flashText(page)}`);
  }
}

async function flashText(page: Page): Promise<string> {
  const flash = page.locator('.flash');
  return (await flash.count()) > 0 ? (await flash.first().innerText()).trim() : '(no message on the page)';
}
