import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { newId } from '../ids.ts';
import type { Actor } from '../context.ts';
import { AppError } from '../errors.ts';
import { claimCase, startCase, takeTransition } from './cases.ts';
import { inboxCounts, listInbox } from './queries.ts';
import { workflowStats } from './stats.ts';
import { workflowModule } from './module.ts';
import { WORKFLOW_SCOPES, type CaseView } from './model.ts';
import { MONDAY_9, SCOPES, UNITS, actorAt, citizen, cst, testModules, type TestUnit } from './test-helpers.ts';

const clock = manualClock(MONDAY_9);
let tp: TestPlatform;

const reviewer = actorAt('中原区审核员甲', UNITS.zhongyuan, [SCOPES.review]);
const reviewer2 = actorAt('中原区审核员乙', UNITS.zhongyuan, [SCOPES.review]);
const cityStats = actorAt('郑州市统计员', UNITS.zhengzhou, [WORKFLOW_SCOPES.statsRead]);
const luoyangStats = actorAt('洛阳市统计员', UNITS.luoyang, [WORKFLOW_SCOPES.statsRead]);
const applicant = citizen('赵六');

const cases: Record<string, CaseView> = {};
const ids = (items: { id: string }[]) => items.map((i) => i.id);
const as = (actor: Actor) => tp.ctx(actor);

function start(title: string, unit: TestUnit = UNITS.zhongyuan): Promise<CaseView> {
  return startCase(tp.ctx(applicant), {
    definitionKey: 'test.approval',
    version: 1,
    title,
    regionCode: unit.regionCode,
    subject: { module: 'wftest', id: newId() },
    data: { applicant: '赵六', amount: 100 },
    unit: { id: unit.id, name: unit.name },
  });
}

before(async () => {
  tp = await startTestPlatform({ clock, modules: testModules() });
  // Last Thursday: F stays open (due Saturday 2-28, a 调休 working day, 17:00), H is closed late on Tuesday.
  clock.set(cst('2026-02-26T09:00'));
  cases.F = await start('F 逾期未办');
  cases.H = await start('H 逾期办结');
  // Monday: A waits in the pool, B is claimed by a colleague, C belongs to another district, G is rejected at once.
  clock.set(MONDAY_9);
  cases.A = await start('A 营业执照变更');
  cases.B = await start('B 同事已签收');
  cases.C = await start('C 二七区的申请', UNITS.erqi);
  cases.G = await start('G 当即办结');
  await claimCase(as(reviewer2), { caseId: cases.B.id });
  await takeTransition(as(reviewer), { caseId: cases.G.id, transition: 'reject', comment: '不符合条件' });
  // Tuesday 10:00: E arrives; H is rejected, too late.
  clock.set(cst('2026-03-03T10:00'));
  cases.E = await start('E 周二受理');
  await takeTransition(as(reviewer2), { caseId: cases.H.id, transition: 'reject', comment: '不符合条件' });
});
after(() => tp.close());

test('待办: the pool and own cases within the grants, soonest deadline first', async () => {
  const todo = await listInbox(as(reviewer), { box: 'todo' });
  assert.deepEqual(ids(todo.items), [cases.F.id, cases.A.id, cases.E.id]);
  assert.equal(todo.total, 3);
  assert.equal(todo.items[0].overdue, true);
  assert.deepEqual(ids((await listInbox(as(reviewer2), { box: 'todo' })).items), [cases.F.id, cases.A.id, cases.B.id, cases.E.id]);
  assert.deepEqual(ids((await listInbox(as(cityStats), { box: 'todo' })).items), [], 'no working scope, no 待办');
});

test('即将超期, 已超期 and 已办', async () => {
  assert.deepEqual(ids((await listInbox(as(reviewer), { box: 'due_soon' })).items), [cases.A.id], 'A is due Wednesday 17:00, within one working day; E on Thursday');
  assert.deepEqual(ids((await listInbox(as(reviewer), { box: 'overdue' })).items), [cases.F.id]);
  const done = await listInbox(as(reviewer), { box: 'done' });
  assert.deepEqual(ids(done.items), [cases.G.id]);
  assert.equal(done.items[0].lastActionAt, MONDAY_9.toISOString());
  assert.deepEqual(ids((await listInbox(as(reviewer2), { box: 'done' })).items), [cases.H.id, cases.B.id], 'most recent action first');
  assert.deepEqual(await inboxCounts(as(reviewer)), { todo: 3, overdue: 1, dueSoon: 1, dueSoonError: null });
  assert.deepEqual(await workflowModule.pendingItems!(as(reviewer)), [
    { title: '待办案件', href: '/workbench/inbox', count: 3 },
    { title: '已超期案件', href: '/workbench/inbox?box=overdue', count: 1 },
  ]);
});

test('filters and pagination', async () => {
  assert.deepEqual(ids((await listInbox(as(reviewer), { box: 'todo', q: '营业执照' })).items), [cases.A.id]);
  assert.deepEqual(ids((await listInbox(as(reviewer), { box: 'todo', q: '%' })).items), [], 'LIKE wildcards are literal');
  assert.deepEqual(ids((await listInbox(as(reviewer), { box: 'todo', from: '2026-03-02', to: '2026-03-02' })).items), [cases.A.id]);
  assert.deepEqual(ids((await listInbox(as(reviewer), { box: 'todo', to: '2026-02-28' })).items), [cases.F.id]);
  assert.equal((await listInbox(as(reviewer), { box: 'todo', state: 'review', definitionKey: 'test.approval' })).total, 3);
  assert.equal((await listInbox(as(reviewer), { box: 'todo', definitionKey: 'test.other' })).total, 0);
  const page2 = await listInbox(as(reviewer), { box: 'todo', page: 2, pageSize: 1 });
  assert.deepEqual([ids(page2.items), page2.total, page2.page, page2.pageSize], [[cases.A.id], 3, 2, 1]);
  await assert.rejects(() => listInbox(as(reviewer), { box: 'todo', from: '2026/03/02' }), (e: AppError) => e.code === 'validation_failed' && e.message.includes('「受理起始日期」'));
  await assert.rejects(() => listInbox(as(reviewer), { box: 'all' as 'todo' }), (e: AppError) => e.code === 'validation_failed');
});

test('statistics per definition and unit, bounded by region', async () => {
  const stats = await workflowStats(as(cityStats));
  const byUnit = Object.fromEntries(stats.rows.map((r) => [r.unitName, [r.received, r.closed, r.closedOnTime, r.overdue, r.withdrawn, r.averageWorkingDays]]));
  assert.deepEqual(byUnit, {
    // A B E F G H received; G (on time, 0 days) and H closed (late: Fri, Sat 2-28 — a 调休 working day after
    // Spring Festival —, Mon, Tue = 4 working days); F overdue (its deadline was that Saturday 17:00).
    [UNITS.zhongyuan.name]: [6, 2, 1, 1, 0, 2],
    [UNITS.erqi.name]: [1, 0, 0, 0, 0, null],
  });
  assert.deepEqual(stats.totals, { received: 7, closed: 2, closedOnTime: 1, overdue: 1, withdrawn: 0, averageWorkingDays: 2 });
  assert.equal(stats.rows[0].definitionTitle, '测试审批');
  const recent = await workflowStats(as(cityStats), { from: '2026-03-01' });
  assert.equal(recent.totals.received, 5, 'F and H were received in February');
  assert.deepEqual((await workflowStats(as(luoyangStats))).rows, [], 'Luoyang sees none of Zhengzhou\'s cases');
  assert.deepEqual((await workflowStats(as(reviewer))).rows, [], 'no statistics scope, no figures');
});
