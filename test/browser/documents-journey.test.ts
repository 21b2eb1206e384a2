/**
 * The official documents journey in a real browser: at 河南省人民政府 a drafter drafts a document
 * and sends it for review, a reviewer finds it in the inbox and approves it, a signer signs it off
 * (it gets its 发文字号), the seal manager seals and distributes it; at 郑州市人民政府 the registry
 * clerk finds it in the inbox and signs for it; the sender sees the read receipt; an anonymous
 * visitor verifies the seal with the number and code printed on it. Every page is checked with
 * axe-core (no serious or critical violations), and the printable rendering is looked at too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { checkA11y, loginThroughForm, screenshot, startBrowserHarness, type BrowserHarness } from '../support/browser.ts';
import { createStaff, TEST_PASSWORD } from '../support/identity.ts';
import { findUnit } from '../../src/modules/directory/index.ts';

let h: BrowserHarness;
const users: Record<'drafter' | 'reviewer' | 'signer' | 'sealer' | 'zzClerk', string> = { drafter: '', reviewer: '', signer: '', sealer: '', zzClerk: '' };
const title = `关于浏览器测试公文流转的通知${Math.floor(Math.random() * 9000) + 1000}`;
let documentUrl = '';

before(async () => {
  h = await startBrowserHarness();
  const scopes = h.tp.platform.services.scopes.map((s) => s.name);
  assert.ok(
    scopes.includes('documents.read'),
    'the documents module is not part of the deployment: add documentsModule (with notifyModule, filesModule and workflowModule before it) to src/modules/index.ts',
  );
  const ctx = h.tp.ctx();
  const province = await findUnit(ctx, { regionCode: '410000', unitType: 'government' });
  const zhengzhou = await findUnit(ctx, { regionCode: '410100', unitType: 'government' });
  assert.ok(province && zhengzhou, 'demo units');
  const make = async (key: keyof typeof users, unitId: string, scopes: string[]) => {
    users[key] = (await createStaff(h.tp, { roleScopes: ['documents.read', ...scopes], unitId })).loginName;
  };
  await make('drafter', province.id, ['documents.outgoing.draft']);
  await make('reviewer', province.id, ['documents.outgoing.review']);
  await make('signer', province.id, ['documents.outgoing.sign']);
  await make('sealer', province.id, ['documents.seal.manage']);
  await make('zzClerk', zhengzhou.id, ['documents.incoming.register']);
}, { timeout: 180_000 });

after(async () => {
  await h?.close();
});

async function andWait(page: Page, action: Promise<void>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), action]);
}

async function as(key: keyof typeof users, label: string): Promise<Page> {
  const page = await h.newPage();
  await loginThroughForm(page, { loginName: users[key], password: TEST_PASSWORD, label });
  return page;
}

async function flash(page: Page): Promise<string> {
  return (await page.locator('.flash').first().innerText()).trim();
}

describe('official documents journey', () => {
  test('a drafter drafts the document and sends it for review', { timeout: 120_000 }, async () => {
    const page = await as('drafter', '拟稿员');
    await page.goto('/workbench/documents/new');
    await checkA11y(page, '起草公文');
    await page.getByRole('textbox', { name: '标题', exact: true }).fill(title);
    await page.getByRole('textbox', { name: '发文机关代字', exact: true }).fill('豫政');
    await page.getByRole('combobox', { name: '紧急程度', exact: true }).selectOption('urgent');
    await page.getByRole('textbox', { name: '主送机关', exact: true }).fill('郑州市人民政府\n洛阳市人民政府');
    await page.getByRole('textbox', { name: '正文', exact: true }).fill('各地要按照本通知要求做好测试工作。\n一、认真组织。\n二、及时报告。');
    await page.getByRole('textbox', { name: '附注 (可空)', exact: true }).fill('此件公开发布');
    await andWait(page, page.getByRole('button', { name: '保存草稿' }).click());
    assert.match(await flash(page), /草稿已保存/);
    documentUrl = new URL(page.url()).pathname;
    assert.match(documentUrl, /^\/workbench\/documents\/[0-9a-f-]{36}$/);
    await checkA11y(page, '公文页面 (拟稿)');
    await screenshot(page, 'documents-01-draft');
    await andWait(page, page.getByRole('button', { name: '送核稿' }).click());
    assert.match(await flash(page), /已送核稿/);
    await page.context().close();
  });

  test('the reviewer finds it in the inbox and approves it', { timeout: 120_000 }, async () => {
    const page = await as('reviewer', '核稿员');
    await page.goto('/workbench/inbox');
    await checkA11y(page, '我的待办 (核稿)');
    assert.ok(await page.getByRole('link', { name: title }).count(), 'the document waits in the reviewer\'s 待办');
    await page.goto('/workbench/documents/outgoing');
    await checkA11y(page, '发文列表');
    await andWait(page, page.getByRole('link', { name: title }).click());
    await page.getByRole('textbox', { name: '核稿意见', exact: true }).fill('文字已核, 同意报签。');
    await andWait(page, page.getByRole('button', { name: '核稿通过' }).click());
    assert.match(await flash(page), /核稿/);
    await checkA11y(page, '公文页面 (签发前)');
    await page.context().close();
  });

  test('the signer signs it off and it gets its number', { timeout: 120_000 }, async () => {
    const page = await as('signer', '签发领导');
    await page.goto(documentUrl);
    await andWait(page, page.getByRole('button', { name: '签发', exact: true }).click());
    assert.match(await flash(page), /签发/);
    const number = await page.locator('dl.facts dd').first().innerText();
    assert.match(number, /^豫政〔\d{4}〕\d+号$/);
    await checkA11y(page, '公文页面 (用印前)');
    await page.context().close();
  });

  test('the seal manager seals and distributes it; the printable rendering shows the seal', { timeout: 120_000 }, async () => {
    const page = await as('sealer', '印章管理员');
    await page.goto(documentUrl);
    await andWait(page, page.getByRole('button', { name: '加盖电子印章' }).click());
    assert.match(await flash(page), /电子印章/);
    assert.ok(await page.locator('svg.gb-seal').count(), 'the seal is drawn on the document');
    await checkA11y(page, '公文页面 (已用印)');
    await andWait(page, page.getByRole('button', { name: '分发' }).click());
    assert.match(await flash(page), /已分发/);
    assert.match(await page.getByRole('table', { name: /签收回执/ }).innerText(), /未签收/);
    await checkA11y(page, '公文页面 (已分发)');
    await screenshot(page, 'documents-02-distributed');
    await page.goto(`${documentUrl}/print`);
    await checkA11y(page, '打印稿');
    assert.equal(await page.locator('.gb-issuer-mark').innerText(), `${'河南省人民政府'}文件`);
    const red = await page.locator('.gb-issuer-mark').evaluate((el) => getComputedStyle(el).color);
    assert.equal(red, 'rgb(215, 0, 15)', '发文机关标志 in red');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.gb-toolbar').isVisible(), false, 'the toolbar is not printed');
    await screenshot(page, 'documents-03-print');
    await page.context().close();
  });

  test('郑州市人民政府\'s clerk sees it in the inbox and signs for it; the sender sees the receipt', { timeout: 120_000 }, async () => {
    const page = await as('zzClerk', '郑州市收文员');
    await page.goto('/workbench/inbox');
    await checkA11y(page, '我的待办 (收文)');
    assert.ok(await page.getByRole('link', { name: new RegExp(title) }).count(), 'the incoming document waits in the clerk\'s 待办');
    await page.goto('/workbench/documents/incoming?pending=true');
    await checkA11y(page, '收文列表');
    await andWait(page, page.getByRole('link', { name: title }).click());
    await checkA11y(page, '公文页面 (待签收)');
    await andWait(page, page.getByRole('button', { name: '签收', exact: true }).click());
    assert.match(await flash(page), /已签收/);
    assert.match(await page.locator('main').innerText(), /收文〔\d{4}〕\d+号/);
    await checkA11y(page, '公文页面 (已签收)');
    await page.context().close();

    const sender = await as('drafter', '拟稿员 (回执)');
    await sender.goto(documentUrl);
    const receipts = await sender.getByRole('table', { name: /签收回执/ }).innerText();
    assert.match(receipts, /郑州市人民政府[\s\S]*已签收/);
    assert.match(receipts, /已签收 1\/2/);
    await sender.context().close();
  });

  test('anyone verifies the seal with the number and code printed on the document', { timeout: 120_000 }, async () => {
    const staff = await as('drafter', '拟稿员 (验证码)');
    await staff.goto(`${documentUrl}/print`);
    const number = (await staff.locator('.gb-number').innerText()).trim();
    const code = (await staff.locator('.gb-code').innerText()).trim();
    await staff.context().close();

    const page = await h.newPage();
    await page.goto('/verify/documents');
    await checkA11y(page, '印章验证');
    await page.getByRole('textbox', { name: '发文字号', exact: true }).fill(number);
    await page.getByRole('textbox', { name: '验证码', exact: true }).fill(code);
    await andWait(page, page.getByRole('button', { name: '验证', exact: true }).click());
    assert.match(await page.locator('.verify-result').innerText(), /电子印章有效/);
    await checkA11y(page, '印章验证结果');
    await screenshot(page, 'documents-04-verified');
    await page.context().close();
  });
});
