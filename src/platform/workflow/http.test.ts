import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { callApi, createStaff, getPage, loginAs, postForm, type Session } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { newId } from '../ids.ts';
import { startCase } from './cases.ts';
import type { CaseView } from './model.ts';
import { MONDAY_9, SCOPES, citizen, testModules } from './test-helpers.ts';
import { WORKFLOW_SCOPES } from './model.ts';

const clock = manualClock(MONDAY_9);
let tp: TestPlatform;
let units: TestUnits;
let reviewer: Session;
let outsider: Session;
let statistician: Session;
let c: CaseView;

before(async () => {
  tp = await startTestPlatform({ clock, modules: testModules() });
  units = await ensureTestUnits(tp);
  reviewer = await loginAs(tp, await createStaff(tp, { roleScopes: [SCOPES.review], unitId: units.zhongyuan }));
  outsider = await loginAs(tp, await createStaff(tp, { roleScopes: [SCOPES.review], unitId: units.erqi }));
  statistician = await loginAs(tp, await createStaff(tp, { roleScopes: [WORKFLOW_SCOPES.statsRead], unitId: units.zhengzhou }));
  c = await startCase(tp.ctx(citizen('钱七')), {
    definitionKey: 'test.approval',
    version: 1,
    title: '钱七的<审批>申请',
    regionCode: '410102',
    subject: { module: 'wftest', id: newId() },
    data: { applicant: '钱七', amount: 100 },
    unit: { id: units.zhongyuan, name: '中原区人民政府 (测试)' },
  });
});
after(() => tp.close());

test('the inbox and the workbench home list the case for the unit\'s reviewer only', async () => {
  const inbox = await getPage(tp, reviewer, '/workbench/inbox');
  assert.equal(inbox.statusCode, 200);
  assert.match(inbox.body, new RegExp(`href="/workbench/cases/${c.id}">钱七的&lt;审批&gt;申请</a>`), 'linked and escaped');
  assert.match(inbox.body, /待认领/);
  assert.match(inbox.body, /href="\/workbench\/inbox"[^>]*>我的待办/, 'navigation entry');
  const home = await getPage(tp, reviewer, '/workbench');
  assert.match(home.body, /<a href="\/workbench\/inbox">待办案件<\/a> <span class="count-badge">1<\/span>/);
  const other = await getPage(tp, outsider, '/workbench/inbox');
  assert.doesNotMatch(other.body, /钱七/);
  const bad = await getPage(tp, reviewer, '/workbench/inbox?from=2026-13-01');
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /class="error-summary"/);
  const api = await callApi(tp, reviewer, 'GET', '/api/workflow/inbox?box=todo');
  assert.equal(api.statusCode, 200);
  const body = api.json() as { items: { id: string; stateLabel: string }[]; counts: { todo: number; dueSoon: number } };
  assert.deepEqual(body.items.map((i) => [i.id, i.stateLabel]), [[c.id, '审核']]);
  assert.equal(body.counts.todo, 1);
});

test('the case page shows facts, deadline, timeline and the forms the reviewer may use; others get 404', async () => {
  const page = await getPage(tp, reviewer, `/workbench/cases/${c.id}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<dt>当前环节<\/dt><dd>审核<\/dd>/);
  assert.match(page.body, /剩余 2 个工作日/);
  assert.match(page.body, /action="\/workbench\/cases\/[^"]+\/transitions"/);
  assert.match(page.body, /name="approve\.opinion"/);
  assert.match(page.body, /<input type="hidden" name="expectedVersion" value="1">/);
  for (const action of ['claim', 'hand-over', 'return-for-correction', 'suspend']) assert.match(page.body, new RegExp(`action="/workbench/cases/${c.id}/${action}"`), action);
  assert.doesNotMatch(page.body, /\/withdraw"/, 'only the applicant may withdraw');
  assert.match(page.body, /办理记录/);
  assert.equal((await getPage(tp, outsider, `/workbench/cases/${c.id}`)).statusCode, 404);
  assert.equal((await callApi(tp, outsider, 'GET', `/api/workflow/cases/${c.id}`)).statusCode, 404);
  assert.equal((await getPage(tp, reviewer, '/workbench/workflow/stats')).statusCode, 403, 'statistics need their scope');
});

test('taking a transition through the form: CSRF checked, missing fields shown beside the form, success redirects', async () => {
  const url = `/workbench/cases/${c.id}/transitions`;
  const forged = await postForm(tp, reviewer, url, { _csrf: 'forged', transition: 'approve', expectedVersion: '1', 'approve.opinion': '同意' });
  assert.equal(forged.statusCode, 403);

  const missing = await postForm(tp, reviewer, url, { transition: 'approve', expectedVersion: '1', 'approve.comment': '看过了' });
  assert.equal(missing.statusCode, 400);
  assert.match(missing.body, /请填写「审核意见」/);
  assert.match(missing.body, /href="#f-approve\.opinion"/, 'the error summary links to the field');
  assert.match(missing.body, />看过了<\/textarea>/, 'what was typed is kept');

  const ok = await postForm(tp, reviewer, url, { transition: 'approve', expectedVersion: '1', 'approve.opinion': '同意办理', 'approve.comment': '材料齐全' });
  assert.equal(ok.statusCode, 303);
  assert.equal(ok.headers.location, `/workbench/cases/${c.id}`);
  const flashCookie = String(([] as string[]).concat(ok.headers['set-cookie'] ?? []).find((h) => h.startsWith('egov_flash=')) ?? '').split(';')[0];
  const after = await getPage(tp, { cookie: `${reviewer.cookie}; ${flashCookie}` }, `/workbench/cases/${c.id}`);
  assert.match(after.body, /已办理。/);
  assert.match(after.body, /<dt>当前环节<\/dt><dd>已批准<\/dd>/);
  assert.match(after.body, /意见: 材料齐全/);

  const stale = await postForm(tp, reviewer, url, { transition: 'reject', expectedVersion: '1', 'reject.comment': '否' });
  assert.equal(stale.statusCode, 409);
  assert.match(stale.body, /案件已被他人处理, 请刷新/);
});

test('JSON API: detail, a stale transition answers problem+json 409, validation in Chinese', async () => {
  const detail = await callApi(tp, reviewer, 'GET', `/api/workflow/cases/${c.id}`);
  assert.equal(detail.statusCode, 200);
  const d = detail.json() as { case: { state: string; version: number }; history: { action: string }[]; actions: { kind: string }[] };
  assert.equal(d.case.state, 'approved');
  assert.deepEqual(d.history.map((h) => h.action), ['start', 'transition']);
  const stale = await callApi(tp, reviewer, 'POST', `/api/workflow/cases/${c.id}/transitions`, { transition: 'close', expectedVersion: 1 });
  assert.equal(stale.statusCode, 409);
  assert.match(String(stale.headers['content-type']), /application\/problem\+json/);
  assert.equal((stale.json() as { code: string }).code, 'case_changed');
  const bad = await callApi(tp, reviewer, 'POST', `/api/workflow/cases/${c.id}/transitions`, { transition: 'close', extra: 1 });
  assert.equal(bad.statusCode, 400);
  assert.match((bad.json() as { detail: string }).detail, /不允许的字段「extra」/);
  const noCsrf = await tp.platform.app.inject({ method: 'POST', url: `/api/workflow/cases/${c.id}/claim`, headers: { cookie: reviewer.cookie, 'content-type': 'application/json' }, payload: '{}' });
  assert.equal(noCsrf.statusCode, 403);
  const claimed = await callApi(tp, reviewer, 'POST', `/api/workflow/cases/${c.id}/claim`, { expectedVersion: d.case.version });
  assert.equal(claimed.statusCode, 200);
  assert.equal((claimed.json() as { assignee: { name: string } | null }).assignee !== null, true);
});

test('statistics page and API for holders of workflow.stats.read', async () => {
  const page = await getPage(tp, statistician, '/workbench/workflow/stats?definition=test.approval');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<td>测试审批<\/td><td>中原区人民政府 \(测试\)<\/td><td class="num">1<\/td>/);
  assert.match(page.body, /href="\/workbench\/workflow\/stats"[^>]*>办件统计/, 'navigation entry');
  const bad = await getPage(tp, statistician, '/workbench/workflow/stats?from=2026-02-30');
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /「受理起始日期」应为日期/);
  const api = await callApi(tp, statistician, 'GET', '/api/workflow/stats');
  assert.equal(api.statusCode, 200);
  assert.equal((api.json() as { totals: { received: number } }).totals.received, 1);
  assert.equal((await callApi(tp, reviewer, 'GET', '/api/workflow/stats')).statusCode, 403);
});
