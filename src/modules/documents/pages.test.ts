/**
 * The pages through the real app: the demo document (sealed, distributed, marked 演示) and its
 * printable rendering in GB/T 9704 layout without inline styles or scripts (CSP); the draft form's
 * messages (classified refused, unknown unit names); the public verification page with the code,
 * with an exported file, and with an altered one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { anonymousSession, createStaff, getPage, loginAs, postForm, type Session } from '../../../test/support/identity.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { findUnit } from '../directory/index.ts';
import { DEMO_TITLE, exportDocument, getDocument } from './index.ts';
import { SCOPES } from './model.ts';
import { multipartBody, startDocumentsPlatform } from './test-helpers.ts';

let tp: TestPlatform;
let demoId: string;
let drafter: Session;
let zzReader: Session;

before(async () => {
  tp = await startDocumentsPlatform({ seedDemo: true });
  const ctx = tp.ctx();
  const province = await findUnit(ctx, { regionCode: '410000', unitType: 'government' });
  const zhengzhou = await findUnit(ctx, { regionCode: '410100', unitType: 'government' });
  demoId = (await queryOne<{ id: string }>(tp.database.db, sql`SELECT id FROM documents.documents WHERE is_demo`))!.id;
  drafter = await loginAs(tp, await createStaff(tp, { roleScopes: [SCOPES.read, SCOPES.outgoingDraft], unitId: province!.id }));
  zzReader = await loginAs(tp, await createStaff(tp, { roleScopes: [SCOPES.read, SCOPES.incomingRegister], unitId: zhengzhou!.id }));
});
after(() => tp.close());

test('demo data: a sealed document of 河南省人民政府 distributed to two city governments, marked 演示', async () => {
  const d = await getDocument(tp.ctx(), { id: demoId });
  assert.equal(d.title, DEMO_TITLE);
  assert.equal(d.isDemo, true);
  assert.equal(d.state, 'distributed');
  assert.match(d.docNumber ?? '', /^豫政〔\d{4}〕\d+号$/);
  assert.deepEqual(d.receipts?.map((r) => r.unitName).sort(), ['洛阳市人民政府', '郑州市人民政府'].sort());
  const list = await getPage(tp, zzReader, '/workbench/documents/incoming?pending=on');
  assert.equal(list.statusCode, 200);
  assert.match(list.body, new RegExp(DEMO_TITLE));
  assert.match(list.body, /badge-demo">演示/);
  const home = await getPage(tp, zzReader, '/workbench');
  assert.match(home.body, /待签收公文/);
});

test('the printable rendering: GB/T 9704 parts, the seal as SVG, no inline style or script', async () => {
  const res = await getPage(tp, drafter, `/workbench/documents/${demoId}/print`);
  assert.equal(res.statusCode, 200);
  const body = res.body;
  for (const part of ['gb-issuer-mark">河南省人民政府文件', 'gb-red-rule', 'gb-title', 'gb-recipients">郑州市人民政府，洛阳市人民政府：', 'gb-written-date', 'gb-record', 'gb-printing', '印发', 'gb-code', '演示文件']) {
    assert.ok(body.includes(part), part);
  }
  assert.match(body, /<svg class="gb-seal"[^>]*role="img" aria-label="河南省人民政府电子印章"/);
  assert.match(body, /<textPath [^>]*>河南省人民政府<\/textPath>/);
  assert.match(body, /<polygon points="[\d., ]+" fill="#d7000f"\/>/, 'the star');
  assert.match(body, /\d{4}年\d{1,2}月\d{1,2}日/, '成文日期 written 2026年11月28日');
  assert.doesNotMatch(body, /style=|<style|<script/, 'CSP: classes only');
  assert.match(body, /<link rel="stylesheet" href="\/documents\/assets\/print.css">/);
  const css = await tp.platform.app.inject({ method: 'GET', url: '/documents/assets/print.css' });
  assert.equal(css.statusCode, 200);
  assert.match(String(css.headers['content-type']), /text\/css/);
  assert.match(css.body, /@page\s*{\s*size: A4/);
  assert.match(css.body, /@media print/);
  const page = await getPage(tp, drafter, `/workbench/documents/${demoId}`);
  assert.doesNotMatch(page.body, /style=|<style/);
  // Others see nothing.
  const other = await loginAs(tp, await createStaff(tp, { roleScopes: [SCOPES.read], unitId: (await findUnit(tp.ctx(), { regionCode: '410300', unitType: 'government' }))!.id }));
  assert.equal((await getPage(tp, other, `/workbench/documents/${demoId}/print`)).statusCode, 200, '洛阳市 received it');
  const county = await findUnit(tp.ctx(), { regionCode: '410102', unitType: 'government' });
  const stranger = await loginAs(tp, await createStaff(tp, { roleScopes: [SCOPES.read], unitId: county!.id }));
  assert.equal((await getPage(tp, stranger, `/workbench/documents/${demoId}/print`)).statusCode, 404);
});

test('the draft form says what is wrong: classified documents, unknown unit names', async () => {
  const classified = await postForm(tp, drafter, '/workbench/documents', { title: '涉密测试', body: '正文', numberPrefix: '豫政', urgency: 'normal', classification: 'secret', mainRecipients: '郑州市人民政府' });
  assert.equal(classified.statusCode, 422);
  assert.match(classified.body, /本平台不是涉密信息系统/);
  const unknown = await postForm(tp, drafter, '/workbench/documents', { title: '单位测试', body: '正文', numberPrefix: '豫政', urgency: 'normal', classification: 'none', mainRecipients: '郑州市人民政府\n不存在的人民政府' });
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.body, /未找到名为「不存在的人民政府」的单位/);
  assert.match(unknown.body, /href="#f-mainRecipients"/, 'the error summary links to the field');
  const ok = await postForm(tp, drafter, '/workbench/documents', { title: '表单测试通知', body: '第一段\n第二段', numberPrefix: '豫政', urgency: 'very_urgent', classification: 'none', mainRecipients: '郑州市人民政府、洛阳市人民政府', copyRecipients: '河南省人民政府办公厅' });
  assert.equal(ok.statusCode, 303, ok.body.slice(0, 500));
  const page = await getPage(tp, drafter, String(ok.headers.location));
  assert.match(page.body, /抄送：<\/span>河南省人民政府办公厅。/);
  assert.match(page.body, /gb-urgency">特急/);
});

test('public verification: by number and code, by exported file, and an altered file fails', async () => {
  const anon = await anonymousSession(tp);
  const d = await getDocument(tp.ctx(), { id: demoId });
  const byCode = await postForm(tp, anon, '/verify/documents', { number: d.docNumber!, code: d.seal!.verificationCode! });
  assert.equal(byCode.statusCode, 200);
  assert.match(byCode.body, /电子印章有效/);
  const wrong = await postForm(tp, anon, '/verify/documents', { number: d.docNumber!, code: '1234-5678-9ABC-DEF0' });
  assert.match(wrong.body, /未找到与发文字号和验证码相符的公文/);
  const empty = await postForm(tp, anon, '/verify/documents', { number: '', code: '' });
  assert.equal(empty.statusCode, 400);

  const exported = await exportDocument(tp.ctx(), { id: demoId });
  const upload = (content: string) => {
    const { payload, contentType } = multipartBody([{ name: '_csrf', value: anon.csrf }, { name: 'file', filename: 'doc.json', type: 'application/json', content }]);
    return tp.platform.app.inject({ method: 'POST', url: '/verify/documents/file', headers: { cookie: anon.cookie, 'content-type': contentType, accept: 'text/html' }, payload });
  };
  const good = await upload(JSON.stringify(exported));
  assert.equal(good.statusCode, 200);
  assert.match(good.body, /电子印章有效/);
  const altered = await upload(JSON.stringify({ ...exported, content: { ...exported.content, title: `${exported.content.title}(改)` } }));
  assert.match(altered.body, /公文内容与盖章时不一致/);
  const junk = await upload('not json');
  assert.match(junk.body, /文件格式不正确/);
  // Without the form's token the upload is refused.
  const { payload, contentType } = multipartBody([{ name: 'file', filename: 'doc.json', type: 'application/json', content: JSON.stringify(exported) }]);
  const noToken = await tp.platform.app.inject({ method: 'POST', url: '/verify/documents/file', headers: { cookie: anon.cookie, 'content-type': contentType, accept: 'text/html' }, payload });
  assert.equal(noToken.statusCode, 403);

  const api = await tp.platform.app.inject({ method: 'POST', url: '/api/documents/verify/export', headers: { 'content-type': 'application/json', cookie: anon.cookie, 'x-csrf-token': anon.csrf }, payload: JSON.stringify(exported) });
  assert.equal(api.statusCode, 200);
  assert.equal(api.json().status, 'valid');
});

test('the recipient units\' registry clerks are told that the document arrived (document.received, linking to it)', async () => {
  await tp.platform.dispatcher.drain();
  const res = await tp.platform.app.inject({ method: 'GET', url: '/api/notify/messages', headers: { ...zzReader.headers, accept: 'application/json' } });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  const items = (res.json() as { items: { title: string; link: string | null }[] }).items;
  const received = items.find((m) => m.title.startsWith('收到公文'));
  assert.ok(received, JSON.stringify(items));
  assert.match(received.title, new RegExp(DEMO_TITLE));
  assert.equal(received.link, `/workbench/documents/${demoId}`);
  // The engine separately tells the unit's pool about the new 签收登记 step.
  assert.ok(items.some((m) => m.title.startsWith('新的待办')));
});
