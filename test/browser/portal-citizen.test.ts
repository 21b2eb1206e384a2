/**
 * The citizen's journey on the government website group in a real browser: browse the provincial
 * portal (home, a column, an article), search in Chinese, sign in and apply for government
 * information, write to the leader mailbox, and follow both in "我的办件". Every page is checked
 * with axe-core (no serious or critical violations), and the 长者模式 switch is tried.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { checkA11y, loginThroughForm, screenshot, startBrowserHarness, type BrowserHarness } from '../support/browser.ts';
import { DEMO_CITIZEN_ID, DEMO_PASSWORD } from '../../src/modules/identity/index.ts';

let h: BrowserHarness;
let page: Page;

before(async () => {
  h = await startBrowserHarness();
  page = await h.newPage();
}, { timeout: 240_000 });
after(async () => {
  await h?.close();
});

async function go(action: Promise<unknown>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), action]);
}

describe('portal citizen journey', () => {
  test('browse: home, column, article (keyboard-reachable links, footer elements)', async () => {
    await page.goto('/sites/4100000001');
    assert.match(await page.title(), /河南省人民政府门户网站/);
    const footer = await page.locator('footer').innerText();
    for (const s of ['网站标识码: 4100000001', '我为政府网站找错', '党政机关', 'ICP备']) assert.ok(footer.includes(s), s);
    await checkA11y(page, 'portal home');
    await screenshot(page, 'portal-home');
    await go(page.getByRole('navigation', { name: '网站栏目' }).getByRole('link', { name: '要闻动态' }).click());
    assert.equal(await page.locator('h1').innerText(), '要闻动态');
    await checkA11y(page, 'portal column');
    await go(page.locator('.p-list a').first().click());
    assert.ok((await page.locator('.p-article').innerText()).includes('演示'));
    await checkA11y(page, 'portal article');
    // 长者模式: larger text and high contrast, through a plain form. Cached pages carry no per-visitor
    // token, so anonymous visitors follow a link to the form (/portal/a11y), which sends them back.
    const toggle = async (name: RegExp) => {
      const link = page.getByRole('link', { name });
      if (await link.count()) await go(link.first().click());
      await go(page.locator('main').getByRole('button', { name }).first().click());
    };
    const articleUrl = page.url();
    await toggle(/^长者模式/);
    assert.equal(page.url(), articleUrl, 'back on the article');
    assert.ok(await page.locator('html.a11y').count());
    await checkA11y(page, 'portal article (长者模式)');
    await toggle(/退出长者模式/);
    assert.equal(await page.locator('html.a11y').count(), 0);
  });

  test('search in Chinese with highlights', async () => {
    await page.getByLabel('站内搜索').fill('营商环境');
    await go(page.getByLabel('站内搜索').press('Enter'));
    assert.ok((await page.locator('.p-results mark').count()) > 0);
    assert.match(await page.locator('[role="status"]').first().innerText(), /找到约 \d+ 条/);
    await checkA11y(page, 'portal search');
  });

  test('apply for information, write a letter, follow both', async () => {
    await loginThroughForm(page, { loginName: DEMO_CITIZEN_ID, password: DEMO_PASSWORD, label: 'citizen' });
    await page.goto('/sites/4100000001/apply');
    await checkA11y(page, 'apply form');
    // A wrong phone number: the form comes back with the message linked to the field.
    await page.getByLabel('联系电话 (必填)').fill('123');
    await page.getByLabel(/所需政府信息/).fill('请公开2025年省级部门预算执行情况 (浏览器测试)');
    await go(page.getByRole('button', { name: '提交申请' }).click());
    assert.ok((await page.locator('.p-errors').innerText()).includes('联系电话'));
    await checkA11y(page, 'apply form with errors');
    await page.getByLabel('联系电话 (必填)').fill('13800000000');
    await go(page.getByRole('button', { name: '提交申请' }).click());
    assert.match(page.url(), /\/my\/portal\/requests\//);
    assert.ok((await page.locator('.flash').innerText()).includes('回执编号'));
    assert.ok((await page.locator('main').innerText()).includes('办理中'));
    await checkA11y(page, 'my request');

    await page.goto('/sites/4100000001/interaction/write?channel=mailbox');
    await checkA11y(page, 'letter form');
    await page.getByLabel('联系方式 (电话或邮箱, 不公开) (必填)').fill('13800000000');
    await page.getByLabel('标题 (必填)').fill('建议增加夜间办事服务 (浏览器测试)');
    await page.getByLabel('内容 (必填)').fill('希望政务服务中心在工作日晚上延长服务时间。');
    await go(page.getByRole('button', { name: '提交' }).click());
    assert.match(page.url(), /\/my\/portal\/messages\//);
    assert.ok((await page.locator('main').innerText()).includes('尚未答复'));

    await page.goto('/my/portal');
    const mine = await page.locator('main').innerText();
    assert.ok(mine.includes('省人民政府') || mine.includes('河南省人民政府'));
    assert.ok(mine.includes('建议增加夜间办事服务'));
    await checkA11y(page, 'my cases');
    await screenshot(page, 'portal-my-cases');
  });
});
