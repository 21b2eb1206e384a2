/**
 * The kernel's journeys in a real browser: a city administrator logs in with password and TOTP,
 * registers a government department in the directory, connects it to the government extranet,
 * sees it counted in the coverage view and its change history, and logs out; the audit
 * administrator finds those actions in the audit trail; an anonymous visitor sees the public
 * pages; the 长者模式 switch and the skip link work. Every page is checked with axe-core.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { checkA11y, loginThroughForm, screenshot, startBrowserHarness, type BrowserHarness } from '../support/browser.ts';
import { usccCheckChar } from '../../src/platform/identifiers/index.ts';

let h: BrowserHarness;

// Booting with demo data takes 10-20 s on PGlite; more when the whole suite runs in parallel.
before(async () => {
  h = await startBrowserHarness();
}, { timeout: 180_000 });

after(async () => {
  await h?.close();
});

/** Navigates, checks the page's accessibility and keeps a screenshot. */
async function visit(page: Page, url: string, label: string, shot: string): Promise<void> {
  const res = await page.goto(url);
  assert.ok(res, `no response for ${url}`);
  assert.equal(res.status(), 200, `${url} answered ${res.status()}`);
  await checkA11y(page, label);
  await screenshot(page, shot);
}

/** Clicks something that submits a form or follows a link, and waits for the next page to load. */
async function andWait(page: Page, action: Promise<void>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), action]);
}

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** A valid credit code of a government organ (11) registered in Zhengzhou (410100). */
function zhengzhouOrganUscc(): string {
  let body = '11410100MB';
  while (body.length < 17) body += USCC_CHARS[Math.floor(Math.random() * USCC_CHARS.length)];
  return body + usccCheckChar(body);
}

/** `connected/total` of the 市直部门 cell in the coverage table's 政务外网 row. */
async function extranetDepartments(page: Page): Promise<{ connected: number; total: number }> {
  const table = page.getByRole('table', { name: '各网络覆盖情况' });
  const headers = await table.locator('thead th').allInnerTexts();
  const col = headers.findIndex((t) => t.startsWith('市直部门'));
  assert.ok(col >= 0, `a 市直部门 column in ${JSON.stringify(headers)}`);
  const row = table.locator('tbody tr').filter({ has: page.locator('td:first-child', { hasText: /^政务外网$/ }) });
  const text = await row.locator('td').nth(col).innerText();
  const m = /(\d+)\/(\d+)/.exec(text);
  assert.ok(m, `a count in "${text}"`);
  return { connected: Number(m[1]), total: Number(m[2]) };
}

/** Set by the city administrator's journey; the audit administrator's journey looks for its traces. */
let createdUnitId: string | null = null;

const unitName = `郑州市浏览器测试数据局${Math.floor(Math.random() * 9000) + 1000}`;
const unitUscc = zhengzhouOrganUscc();

describe('browser journeys', () => {
  test('the accessibility check itself fails on a serious violation', { timeout: 90_000 }, async () => {
    const page = await h.newPage();
    await page.goto('/');
    // An unlabelled input and an image without alternative text, put into a real page.
    await page.evaluate(() => {
      const main = document.querySelector('main')!;
      main.insertAdjacentHTML('beforeend', '<form><input type="text" name="x"></form><img src="/assets/egov.css">');
    });
    await assert.rejects(checkA11y(page, '自检'), (err: Error) => /label/.test(err.message) && /image-alt/.test(err.message));
    await page.context().close();
  });

  test('anonymous visitor: home, login and registration pages', { timeout: 90_000 }, async () => {
    const page = await h.newPage();
    await visit(page, '/', '公众首页', '01-public-home');
    await page.getByRole('heading', { level: 1, name: '欢迎访问河南省政务服务平台' }).waitFor();
    await visit(page, '/login', '登录页', '02-login');
    await page.getByRole('textbox', { name: '登录名', exact: true }).waitFor();
    await visit(page, '/register', '注册页', '03-register');
    await page.getByRole('heading', { name: '个人注册' }).waitFor();
    await page.getByRole('heading', { name: '法人注册' }).waitFor();
    await page.context().close();
  });

  test('city administrator: log in with TOTP, register a department, connect it to the extranet, see coverage and history, log out', { timeout: 90_000 }, async () => {
    const page = await h.newPage();
    await loginThroughForm(page, { loginName: 'zzadmin', label: '郑州市单位管理员' });
    assert.equal(new URL(page.url()).pathname, '/workbench');
    await checkA11y(page, '工作台首页');
    await screenshot(page, '10-workbench-home');
    await page.getByText('郑州市人民政府 · ').first().waitFor();

    // Coverage before: the figure the new department will change.
    const nav = page.getByRole('navigation', { name: '工作台导航' });
    await andWait(page, nav.getByRole('link', { name: '覆盖情况' }).click());
    await checkA11y(page, '覆盖情况 (之前)');
    const beforeCov = await extranetDepartments(page);

    // Directory: the unit list, then the two-step create form.
    await andWait(page, nav.getByRole('link', { name: '政府机构' }).click());
    await checkA11y(page, '政府机构列表');
    await screenshot(page, '11-units-list');
    await andWait(page, page.getByRole('link', { name: '新增单位' }).click());
    await checkA11y(page, '新增单位 第 1 步');
    await page.getByRole('combobox', { name: '所在行政区划', exact: true }).selectOption('410100');
    await andWait(page, page.getByRole('button', { name: '下一步' }).click());
    await checkA11y(page, '新增单位 第 2 步');
    await page.getByRole('textbox', { name: '单位名称', exact: true }).fill(unitName);
    await page.getByRole('textbox', { name: '简称', exact: true }).fill('测试数据局');
    await page.getByRole('combobox', { name: '单位类型', exact: true }).selectOption({ label: '政府部门' });
    const parent = page.getByRole('combobox', { name: '上级单位', exact: true });
    const parentOption = parent.locator('option', { hasText: '郑州市人民政府' }).first();
    assert.equal(await parentOption.count(), 1, 'the city government is offered as the parent unit');
    await parent.selectOption({ label: (await parentOption.innerText()).trim() });
    await page.getByRole('textbox', { name: '统一社会信用代码', exact: true }).fill(unitUscc);
    await screenshot(page, '12-unit-create-form');
    await andWait(page, page.getByRole('button', { name: '保存' }).click());

    // The unit's page.
    await page.getByRole('heading', { level: 1, name: unitName }).waitFor();
    const unitUrl = new URL(page.url()).pathname;
    assert.match(unitUrl, /^\/workbench\/directory\/units\/[0-9a-f-]{36}$/);
    createdUnitId = unitUrl.split('/').pop()!;
    await page.getByRole('status').filter({ hasText: unitName }).waitFor();
    await page.getByText(unitUscc, { exact: true }).waitFor();
    await checkA11y(page, '单位详情 (新建后)');
    await screenshot(page, '13-unit-created');

    // Connect it to the government extranet.
    await andWait(page, page.getByRole('link', { name: '新增网络接入' }).click());
    await checkA11y(page, '新增网络接入');
    await page.getByRole('combobox', { name: '网络', exact: true }).selectOption({ label: '政务外网' });
    await page.getByRole('combobox', { name: '接入方式', exact: true }).selectOption({ label: '纵向 (上下级)' });
    await page.getByRole('spinbutton', { name: '带宽 (Mbps)', exact: true }).fill('100');
    await screenshot(page, '14-link-form');
    await andWait(page, page.getByRole('button', { name: '保存' }).click());
    assert.equal(new URL(page.url()).pathname, unitUrl);
    const links = page.getByRole('table', { name: '本单位的网络接入' });
    await links.getByRole('cell', { name: '政务外网', exact: true }).waitFor();
    await checkA11y(page, '单位详情 (接入后)');

    // The change history on the unit page comes from the audit records.
    const history = page.getByRole('table', { name: /本单位的修改记录/ });
    await history.getByRole('cell', { name: '新建单位', exact: true }).waitFor();
    await history.getByRole('cell', { name: '新增网络接入', exact: true }).waitFor();
    assert.ok((await history.getByRole('cell', { name: /郑州市单位管理员/ }).count()) >= 2, 'both changes name zzadmin as the actor');
    await screenshot(page, '15-unit-with-link-and-history');

    // Coverage after: one more department, and it is connected.
    await andWait(page, nav.getByRole('link', { name: '覆盖情况' }).click());
    await checkA11y(page, '覆盖情况 (之后)');
    await screenshot(page, '16-coverage');
    const afterCov = await extranetDepartments(page);
    assert.deepEqual(afterCov, { connected: beforeCov.connected + 1, total: beforeCov.total + 1 });

    // Log out.
    await andWait(page, page.getByRole('button', { name: '退出' }).click());
    assert.equal(new URL(page.url()).pathname, '/');
    await page.getByRole('status').filter({ hasText: '您已安全退出' }).waitFor();
    await checkA11y(page, '退出后首页');
    const res = await page.goto('/workbench');
    assert.equal(new URL(page.url()).pathname, '/login', 'the workbench asks for a login again');
    assert.ok(res);

    // Signed out, the new department is in the public directory (政府机构名录).
    await visit(page, '/units', '政府机构名录', '17-public-units');
    await page.getByRole('searchbox', { name: '单位名称', exact: true }).fill(unitName);
    await andWait(page, page.getByRole('button', { name: '查找' }).click());
    await page.getByRole('table', { name: /政府机构名录/ }).getByRole('cell', { name: unitName, exact: true }).waitFor();
    await checkA11y(page, '政府机构名录 (查找后)');
    await page.context().close();
  });

  test('audit administrator sees the city administrator\'s actions in the audit trail', { timeout: 90_000 }, async () => {
    assert.ok(createdUnitId, 'runs after the city administrator\'s journey, whose actions it looks for');
    const page = await h.newPage();
    await loginThroughForm(page, { loginName: 'auditor', label: '审计管理员' });
    assert.equal(new URL(page.url()).pathname, '/workbench');
    await checkA11y(page, '工作台首页 (审计管理员)');
    await andWait(page, page.getByRole('navigation', { name: '工作台导航' }).getByRole('link', { name: '审计日志' }).click());
    assert.equal(new URL(page.url()).pathname, '/workbench/audit');
    await checkA11y(page, '审计日志');
    await page.getByRole('textbox', { name: '操作者', exact: true }).fill('郑州市单位管理员');
    await page.getByRole('textbox', { name: '操作 (前缀)', exact: true }).fill('directory.');
    await andWait(page, page.getByRole('button', { name: '查询' }).click());
    await checkA11y(page, '审计日志 (筛选后)');
    await screenshot(page, '20-audit-filtered');
    const records = page.getByRole('table', { name: /审计记录/ });
    const unitRow = records.locator('tbody tr').filter({ hasText: 'directory.unit.create' }).filter({ hasText: unitName });
    assert.equal(await unitRow.count(), 1, 'the unit creation is recorded once');
    const unitRowText = await unitRow.innerText();
    assert.match(unitRowText, /郑州市单位管理员/);
    assert.ok(unitRowText.includes(createdUnitId), 'the record names the unit by its id');
    assert.equal(await records.locator('tbody tr').filter({ hasText: 'directory.network_link.create' }).count(), 1, 'the extranet link is recorded');
    // zzadmin's login is in the trail too (identity records are not region-bound to a directory prefix).
    await page.getByRole('textbox', { name: '操作 (前缀)', exact: true }).fill('identity.login');
    await andWait(page, page.getByRole('button', { name: '查询' }).click());
    assert.ok((await records.locator('tbody tr').count()) >= 1, 'zzadmin\'s login is recorded');
    await page.context().close();
  });

  test('small screens: public pages reflow to 390 px without sideways scrolling of the page', { timeout: 90_000 }, async () => {
    const page = await h.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [url, label] of [['/', '公众首页 (手机)'], ['/login', '登录页 (手机)'], ['/register', '注册页 (手机)'], ['/units', '政府机构名录 (手机)']]) {
      await page.goto(url);
      await checkA11y(page, label); // includes the check that the page itself does not scroll sideways
    }
    await screenshot(page, '07-mobile-public-units');
    await page.context().close();
  });

  test('keyboard: the first Tab from the top of the page focuses the skip link, which moves focus to the content', { timeout: 90_000 }, async () => {
    const page = await h.newPage();
    await page.goto('/');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return { className: el?.className ?? '', text: el?.textContent?.trim() ?? '', href: el?.getAttribute('href') ?? '' };
    });
    assert.deepEqual(focused, { className: 'skip', text: '跳到主要内容', href: '#main' });
    const box = await page.locator('a.skip').boundingBox();
    assert.ok(box && box.x >= 0 && box.y >= 0, 'the focused skip link is visible on screen');
    await checkA11y(page, '跳过链接获得焦点');
    await screenshot(page, '04-skip-link-focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    await page.context().close();
  });

  test('长者模式: the switch enlarges the text and survives navigation', { timeout: 90_000 }, async () => {
    const page = await h.newPage();
    await page.goto('/');
    const before = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    assert.ok(!(await page.evaluate(() => document.body.classList.contains('a11y'))));
    await Promise.all([page.waitForURL('/'), page.getByRole('button', { name: '长者模式 (大字/高对比)' }).click()]);
    await page.waitForLoadState('load');
    assert.ok(await page.evaluate(() => document.body.classList.contains('a11y')), 'body has class a11y');
    const after = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    assert.ok(after >= before * 1.25, `text grows (${before}px -> ${after}px)`);
    // Headings grow with the text, never fall below it.
    const h1 = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('h1')!).fontSize));
    assert.ok(h1 > after, `h1 (${h1}px) larger than body text (${after}px)`);
    await checkA11y(page, '长者模式首页');
    await screenshot(page, '05-a11y-home');
    await visit(page, '/register', '长者模式注册页', '06-a11y-register');
    assert.ok(await page.evaluate(() => document.body.classList.contains('a11y')), 'the mode is kept on the next page');
    await Promise.all([page.waitForURL('/register'), page.getByRole('button', { name: '退出长者模式' }).click()]);
    assert.ok(!(await page.evaluate(() => document.body.classList.contains('a11y'))), 'switched back');
    await page.context().close();
  });
});
