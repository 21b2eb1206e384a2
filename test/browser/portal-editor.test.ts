/**
 * The editor's journey in a real browser: the provincial portal's editor drafts an article and
 * sends it for review, the reviewer approves it (it goes live at once), and the article is on the
 * public site and found by search. The site administrator changes the footer, opens a survey and
 * reads the stored site health. Workbench and public pages are checked with axe-core.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { checkA11y, loginThroughForm, startBrowserHarness, type BrowserHarness } from '../support/browser.ts';
import { DEMO_PASSWORD } from '../../src/modules/identity/index.ts';

let h: BrowserHarness;
const title = `全省政务服务“高效办成一件事”推进会召开${Math.floor(Math.random() * 9000) + 1000}`;
let articleUrl = '';

before(async () => {
  h = await startBrowserHarness();
}, { timeout: 240_000 });
after(async () => {
  await h?.close();
});

async function go(page: Page, action: Promise<unknown>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), action]);
}

describe('portal editor journey', () => {
  test('the editor drafts and sends for review', async () => {
    const page = await h.newPage();
    await loginThroughForm(page, { loginName: 'hnbianji', password: DEMO_PASSWORD, label: 'editor' });
    await page.goto('/workbench/portal');
    await go(page, page.getByRole('link', { name: /河南省人民政府门户网站/ }).first().click());
    await go(page, page.getByRole('link', { name: '写新信息' }).click());
    await checkA11y(page, 'article form');
    await page.getByLabel('栏目').selectOption({ label: '要闻动态 (动态要闻)' });
    await page.locator('#f-title').fill(title);
    await page.locator('#f-body').fill('会议强调, 要推动更多政务服务事项集成办理, 让企业和群众办事更便利。');
    await go(page, page.getByRole('button', { name: '保存' }).click());
    assert.ok((await page.locator('.flash').innerText()).includes('草稿已保存'));
    articleUrl = page.url();
    await checkA11y(page, 'article page (workbench)');
    await go(page, page.getByRole('button', { name: '送审' }).click());
    assert.ok((await page.locator('main').innerText()).includes('待审核'));
  });

  test('the reviewer approves; the article is on the site and in search', async () => {
    const page = await h.newPage();
    await loginThroughForm(page, { loginName: 'hnshenhe', password: DEMO_PASSWORD, label: 'reviewer' });
    await page.goto(articleUrl);
    await go(page, page.getByRole('button', { name: '审核通过并发布' }).click());
    assert.ok((await page.locator('main').innerText()).includes('已发布'));
    await go(page, page.getByRole('link', { name: '在网站上查看' }).click());
    assert.equal((await page.locator('h1').innerText()).trim(), title);
    await checkA11y(page, 'published article');
    await page.goto('/sites/4100000001');
    assert.ok((await page.locator('main').innerText()).includes(title));
    await page.goto(`/sites/4100000001/search?q=${encodeURIComponent('高效办成一件事')}`);
    assert.ok((await page.locator('.p-results').innerText()).includes(title));
    await checkA11y(page, 'search results');
  });

  test('the site administrator edits the footer, opens a survey and reads the stored health', async () => {
    const page = await h.newPage();
    await loginThroughForm(page, { loginName: 'hnzhanzhang', password: DEMO_PASSWORD, label: 'site admin' });
    await page.goto('/workbench/portal/sites/4100000001/settings');
    await checkA11y(page, 'site settings');
    await page.locator('#f-icpNumber').fill('豫ICP备05000001号');
    await go(page, page.getByRole('button', { name: '保存设置' }).click());
    assert.ok((await page.locator('.flash').innerText()).includes('网站设置已保存'));
    await page.goto('/workbench/portal/sites/4100000001/surveys/new');
    await checkA11y(page, 'new survey');
    await page.locator('#f-title').fill('门户网站满意度调查 (演示)');
    await page.locator('#f-q0').fill('您对本站的总体印象');
    await page.locator('#f-o0').fill('满意\n基本满意\n不满意');
    await page.locator('#f-closesOn').fill(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
    await go(page, page.getByRole('button', { name: '发布调查' }).click());
    assert.ok((await page.locator('.flash').innerText()).includes('网上调查已发布'));
    assert.ok((await page.locator('main').innerText()).includes('门户网站满意度调查 (演示)'));
    await checkA11y(page, 'solicitations and surveys');
    await page.goto('/workbench/portal/health/4100000001');
    await checkA11y(page, 'site health');
    await page.goto('/sites/4100000001');
    assert.ok((await page.locator('footer').innerText()).includes('豫ICP备05000001号'));
  });
});
