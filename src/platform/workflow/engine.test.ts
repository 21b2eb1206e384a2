import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { newId } from '../ids.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import type { Actor } from '../context.ts';
import { AppError } from '../errors.ts';
import type { RecipientResolver } from '../notify/recipients.ts';
import { bindNotifyRuntime } from '../notify/runtime.ts';
import {
  claimCase,
  handOverCase,
  releaseCase,
  resumeCase,
  returnForCorrection,
  startCase,
  submitCorrection,
  suspendCase,
  takeTransition,
  withdrawCase,
} from './cases.ts';
import { getCase, listInbox } from './queries.ts';
import { registerWorkflows } from './registry.ts';
import { defineWorkflow } from './definition.ts';
import { WORKFLOW_SCOPES, type CaseView } from './model.ts';
import { MONDAY_9, SCOPES, UNITS, actorAt, approvalV1, approvalV2, citizen, cst, testModules, type TestUnit } from './test-helpers.ts';

const clock = manualClock(MONDAY_9);
let tp: TestPlatform;

const reviewer = actorAt('中原区审核员甲', UNITS.zhongyuan, [SCOPES.review]);
const reviewer2 = actorAt('中原区审核员乙', UNITS.zhongyuan, [SCOPES.review]);
const clerk = actorAt('中原区办事员', UNITS.zhongyuan, ['directory.unit.read']);
const erqiReviewer = actorAt('二七区审核员', UNITS.erqi, [SCOPES.review]);
const cityReviewer = actorAt('郑州市审核员', UNITS.zhengzhou, [SCOPES.review]);
const cityReader = actorAt('郑州市案件查阅员', UNITS.zhengzhou, [WORKFLOW_SCOPES.caseRead]);
const applicant = citizen('张三');
const stranger = citizen('李四');

before(async () => {
  tp = await startTestPlatform({ clock, modules: testModules() });
});
after(() => tp.close());

const as = (actor: Actor) => tp.ctx(actor);

async function start(opts: { amount?: number; unit?: TestUnit; region?: string; by?: Actor; title?: string; version?: number } = {}): Promise<CaseView> {
  const unit = opts.unit ?? UNITS.zhongyuan;
  return startCase(as(opts.by ?? applicant), {
    definitionKey: 'test.approval',
    version: opts.version ?? 1,
    title: opts.title ?? '测试申请',
    regionCode: opts.region ?? unit.regionCode,
    subject: { module: 'wftest', id: newId() },
    data: { applicant: '张三', amount: opts.amount ?? 500 },
    unit: { id: unit.id, name: unit.name },
  });
}

/** Runs fn and returns the AppError it throws (fails when it does not). */
async function refusal(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  assert.fail('expected a refusal');
}

async function historyCount(caseId: string): Promise<number> {
  const r = await queryOne<{ n: string | number }>(tp.database.db, sql`SELECT count(*) AS n FROM workflow.history WHERE case_id = ${caseId}`);
  return Number(r?.n);
}

test('start: the case waits in the unit pool with a 2-working-day deadline; only holders of the scope in that unit and region may act', async () => {
  clock.set(MONDAY_9);
  const c = await start();
  assert.equal(c.state, 'review');
  assert.equal(c.status, 'open');
  assert.deepEqual(c.unit, { id: UNITS.zhongyuan.id, name: UNITS.zhongyuan.name });
  assert.equal(c.assignee, null);
  assert.equal(c.requiredScope, SCOPES.review);
  assert.equal(c.definitionVersion, 1);
  assert.equal(c.deadline?.at, cst('2026-03-04T17:00').toISOString(), 'Monday + 2 working days = Wednesday 17:00');
  assert.equal(c.deadline?.unit, 'days');

  // No scope, another unit, or nobody: the case is not even visible to them.
  for (const who of [clerk, erqiReviewer, stranger]) {
    const err = await refusal(() => takeTransition(as(who), { caseId: c.id, transition: 'reject', comment: '不行' }));
    assert.equal(err.status, 404, who.name);
  }
  // Someone who may read the region's cases but not handle them: refused, not hidden.
  const readErr = await refusal(() => takeTransition(as(cityReader), { caseId: c.id, transition: 'reject', comment: '不行' }));
  assert.equal(readErr.status, 403);
  assert.equal(readErr.code, 'workflow_not_permitted');
  assert.equal((await getCase(as(cityReader), { id: c.id })).case.id, c.id);
  assert.deepEqual((await getCase(as(cityReader), { id: c.id })).actions, []);

  // A case of another region routed to this unit: the unit's grants do not reach it.
  const misrouted = await start({ region: '410302' });
  const err = await refusal(() => takeTransition(as(reviewer), { caseId: misrouted.id, transition: 'reject', comment: '不行' }));
  assert.equal(err.status, 404);

  const after = await takeTransition(as(reviewer), { caseId: c.id, transition: 'approve', fields: { opinion: '同意' }, expectedVersion: 1 });
  assert.equal(after.state, 'approved');
  assert.equal(after.data.opinion, '同意', 'fields are merged into the case data');
  assert.equal(after.deadline, null, 'approved has no deadline');
});

test('routing: referral moves the case to the parent government, whose staff then act and the county no longer can', async () => {
  clock.set(MONDAY_9);
  const c = await start({ amount: 5000 });
  const referred = await takeTransition(as(reviewer), { caseId: c.id, transition: 'refer', fields: { level: 'city' }, comment: '金额较大, 报市政府' });
  assert.equal(referred.state, 'review');
  assert.deepEqual(referred.unit, { id: UNITS.zhengzhou.id, name: UNITS.zhengzhou.name });
  const err = await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'reject', comment: '撤销' }));
  assert.equal(err.status, 403, 'the county reviewer still sees the case they handled, but may not act');
  const approved = await takeTransition(as(cityReviewer), { caseId: c.id, transition: 'approve', fields: { opinion: '同意' } });
  assert.equal(approved.state, 'approved');
  const detail = await getCase(as(cityReviewer), { id: c.id });
  assert.deepEqual(detail.history.map((h) => [h.action, h.transition, h.actor.name, h.actor.unitName]), [
    ['start', null, '张三', null],
    ['transition', 'refer', '中原区审核员甲', UNITS.zhongyuan.name],
    ['transition', 'approve', '郑州市审核员', UNITS.zhengzhou.name],
  ]);
  assert.equal(detail.history[1].comment, '金额较大, 报市政府');
  assert.deepEqual(detail.history[1].fields, { level: 'city' });
});

test('guards, required fields and comments refuse with Chinese messages and write nothing', async () => {
  clock.set(MONDAY_9);
  const c = await start({ amount: 5000 });
  const missing = await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'approve' }));
  assert.equal(missing.code, 'validation_failed');
  assert.deepEqual(missing.fields, [{ field: 'fields.opinion', message: '请填写「审核意见」' }]);
  const guarded = await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'approve', fields: { opinion: '同意' } }));
  assert.equal(guarded.code, 'transition_refused');
  assert.equal(guarded.status, 422);
  assert.equal(guarded.message, '金额超过 1000 元, 须报上级政府审批');
  const noComment = await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'reject' }));
  assert.deepEqual(noComment.fields, [{ field: 'comment', message: '请填写办理意见' }]);
  const badOption = await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'refer', fields: { level: 'province' } }));
  assert.deepEqual(badOption.fields, [{ field: 'fields.level', message: '「审批层级」的取值不在允许范围内' }]);
  const extra = await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'reject', comment: '否', fields: { hack: 1 } }));
  assert.match(extra.message, /不允许的字段「hack」/);
  const unknown = await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'teleport' }));
  assert.equal(unknown.code, 'transition_unknown');
  const automatic = await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'close' }));
  assert.equal(automatic.status, 403);
  const badData = await refusal(() => startCase(as(applicant), { definitionKey: 'test.approval', title: '坏数据', regionCode: '410102', subject: { module: 'wftest', id: 'x' }, data: { applicant: '', amount: -1 }, unit: { id: UNITS.zhongyuan.id, name: UNITS.zhongyuan.name } }));
  assert.equal(badData.code, 'case_data_invalid');
  assert.ok(badData.fields.some((f) => f.field === 'data.amount' && f.message.includes('「金额」')), JSON.stringify(badData.fields));

  const detail = await getCase(as(reviewer), { id: c.id });
  assert.equal(detail.case.version, 1, 'nothing half-written');
  assert.equal(detail.history.length, 1);
  const approve = detail.actions.find((a) => a.transition?.name === 'approve');
  assert.equal(approve?.blockedReason, '金额超过 1000 元, 须报上级政府审批', 'the page says why approval is not offered');
  assert.deepEqual(detail.actions.map((a) => a.transition?.name ?? a.kind), ['approve', 'reject', 'refer', 'claim', 'hand_over', 'return_for_correction', 'suspend']);
});

test('a year without holiday data is reported, never treated as ordinary working days', async () => {
  clock.set(cst('2026-12-30T09:00'));
  const err = await refusal(() => start());
  assert.equal(err.code, 'calendar_year_unknown');
  assert.match(err.message, /2027 年的法定节假日安排尚未收录/);
  const leftover = await queryOne<{ n: string | number }>(tp.database.db, sql`SELECT count(*) AS n FROM workflow.cases WHERE started_at >= ${cst('2026-12-30T00:00').toISOString()}`);
  assert.equal(Number(leftover?.n), 0, 'no case without a deadline was left behind');
});

test('claim, release and hand over within the unit', async () => {
  clock.set(MONDAY_9);
  const staff = [reviewer, reviewer2, clerk, erqiReviewer];
  const resolver: RecipientResolver = {
    async usersAtUnit(_ctx, { unitId, scope }) {
      return staff.filter((a) => a.grants.some((g) => g.unitId === unitId && (!scope || g.scopes.has(scope)))).map((a) => a.userId!);
    },
    async contacts(_ctx, { userIds }) {
      return staff.filter((a) => userIds.includes(a.userId!)).map((a) => ({ userId: a.userId!, name: a.name, email: null, phone: null }));
    },
  };
  await registerWorkflows(tp.ctx(), { definitions: [], services: { events: tp.platform.services.events, recipients: resolver } });
  bindNotifyRuntime({ ...tp.platform.services, recipients: resolver });
  try {
    const c = await start();
    const claimed = await claimCase(as(reviewer), { caseId: c.id, expectedVersion: 1 });
    assert.deepEqual(claimed.assignee, { userId: reviewer.userId, name: reviewer.name });
    assert.equal((await refusal(() => claimCase(as(reviewer2), { caseId: c.id }))).code, 'case_taken');
    const taken = await refusal(() => takeTransition(as(reviewer2), { caseId: c.id, transition: 'approve', fields: { opinion: '同意' } }));
    assert.equal(taken.code, 'case_taken');
    assert.match(taken.message, /已由中原区审核员甲签收办理/);
    assert.ok((await listInbox(as(reviewer), { box: 'todo' })).items.some((i) => i.id === c.id));
    assert.ok(!(await listInbox(as(reviewer2), { box: 'todo' })).items.some((i) => i.id === c.id), 'a claimed case leaves the colleagues\' 待办');

    const detail = await getCase(as(reviewer), { id: c.id });
    assert.deepEqual(detail.handOverCandidates, [{ userId: reviewer2.userId, name: reviewer2.name }], 'only colleagues holding the scope in the unit');
    for (const [to, code] of [[clerk.userId!, 'hand_over_target_invalid'], [erqiReviewer.userId!, 'hand_over_target_invalid'], [reviewer.userId!, 'hand_over_self']] as const) {
      assert.equal((await refusal(() => handOverCase(as(reviewer), { caseId: c.id, toUserId: to }))).code, code);
    }
    assert.equal((await refusal(() => handOverCase(as(reviewer2), { caseId: c.id, toUserId: reviewer2.userId! }))).code, 'case_taken', 'only the assignee hands over');
    const handed = await handOverCase(as(reviewer), { caseId: c.id, toUserId: reviewer2.userId!, comment: '请你办理' });
    assert.deepEqual(handed.assignee, { userId: reviewer2.userId, name: reviewer2.name });

    assert.equal((await refusal(() => releaseCase(as(reviewer), { caseId: c.id }))).code, 'not_assignee');
    const released = await releaseCase(as(reviewer2), { caseId: c.id });
    assert.equal(released.assignee, null);
    assert.ok((await listInbox(as(reviewer), { box: 'todo' })).items.some((i) => i.id === c.id), 'back in the pool');
    const actions = (await getCase(as(reviewer2), { id: c.id })).history.map((h) => h.action);
    assert.deepEqual(actions, ['start', 'claim', 'hand_over', 'release']);

    // Notices went through the outbox to notify: the pool at start and after the release, the receiver of the hand-over.
    await tp.platform.dispatcher.drain();
    const msgs = await queryRows<{ recipient_id: string; title: string }>(tp.database.db,
      sql`SELECT recipient_id, title FROM notify.messages WHERE template = 'case.assigned' AND link = ${`/workbench/cases/${c.id}`}`);
    const count = (a: Actor) => msgs.filter((m) => m.recipient_id === a.userId).length;
    assert.deepEqual([count(reviewer), count(reviewer2), count(clerk), count(erqiReviewer)], [2, 3, 0, 0]);
    assert.ok(msgs.every((m) => m.title === '新的待办: 测试申请'));
  } finally {
    await registerWorkflows(tp.ctx(), { definitions: [], services: tp.platform.services });
    bindNotifyRuntime(tp.platform.services);
  }
});

test('return for correction stops the clock; the deadline moves by the paused working days', async () => {
  clock.set(MONDAY_9);
  const c = await start();
  assert.equal(c.deadline?.at, cst('2026-03-04T17:00').toISOString());
  clock.set(cst('2026-03-02T10:00'));
  const noReason = await refusal(() => returnForCorrection(as(reviewer), { caseId: c.id }));
  assert.deepEqual(noReason.fields, [{ field: 'comment', message: '请填写需要补正的内容' }]);
  const waiting = await returnForCorrection(as(reviewer), { caseId: c.id, comment: '请补充营业执照复印件' });
  assert.equal(waiting.status, 'correction');
  assert.equal(waiting.pause?.reason, 'correction');
  assert.equal(waiting.deadline?.at, null, 'no deadline while the clock stands');
  const pending = await queryRows<{ kind: string }>(tp.database.db, sql`SELECT kind FROM workflow.timers WHERE case_id = ${c.id} AND status = 'pending'`);
  assert.deepEqual(pending, [], 'no reminder or escalation while paused');
  const blocked = await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'reject', comment: '否' }));
  assert.equal(blocked.code, 'case_not_actionable');
  assert.equal(blocked.message, '案件正在等待申请人补正, 补正后才能继续办理。');
  const paused = await getCase(as(applicant), { id: c.id });
  assert.equal(paused.deadline?.paused, true);
  const told = paused.history.at(-1)!;
  assert.deepEqual([told.action, told.comment, told.actor.name, told.actor.userId], ['return_for_correction', '请补充营业执照复印件', UNITS.zhongyuan.name, null],
    'the applicant sees what to correct and which unit asks, not who');
  assert.equal(paused.case.assignee, null);
  assert.deepEqual(paused.actions.map((a) => a.kind), ['submit_correction', 'withdraw'], 'the applicant may correct or withdraw');

  clock.set(cst('2026-03-05T10:00')); // Thursday: Tue, Wed, Thu did not count
  assert.equal((await refusal(() => submitCorrection(as(stranger), { caseId: c.id }))).status, 404);
  const corrected = await submitCorrection(as(applicant), { caseId: c.id, data: { amount: 600 }, comment: '已补充' });
  assert.equal(corrected.status, 'open');
  assert.equal(corrected.data.amount, 600);
  assert.equal(corrected.deadline?.at, cst('2026-03-09T17:00').toISOString(), 'Wednesday + 3 paused working days = next Monday 17:00');
  const detail = await getCase(as(reviewer), { id: c.id });
  assert.equal(detail.pauses.length, 1);
  assert.equal(detail.pauses[0].to, cst('2026-03-05T10:00').toISOString());
  assert.equal(detail.deadline?.remaining, 2, 'no working day of the budget was used');
  const timers = await queryRows<{ kind: string; due_at: Date | string }>(tp.database.db, sql`SELECT kind, due_at FROM workflow.timers WHERE case_id = ${c.id} AND status = 'pending' ORDER BY due_at`);
  assert.deepEqual(timers.map((t) => [t.kind, new Date(t.due_at).toISOString()]), [
    ['reminder', cst('2026-03-06T17:00').toISOString()],
    ['escalation', cst('2026-03-09T17:00').toISOString()],
  ]);
});

test('suspend for expert review and resume: the clock stops in between', async () => {
  clock.set(MONDAY_9);
  const c = await start();
  assert.equal((await refusal(() => suspendCase(as(reviewer), { caseId: c.id, reason: 'holiday' as 'inspection', comment: 'x' }))).code, 'validation_failed');
  assert.deepEqual((await refusal(() => suspendCase(as(reviewer), { caseId: c.id, reason: 'expert_review' }))).fields, [{ field: 'comment', message: '请填写中止说明' }]);
  const suspended = await suspendCase(as(reviewer), { caseId: c.id, reason: 'expert_review', comment: '组织专家评审' });
  assert.equal(suspended.status, 'suspended');
  assert.equal(suspended.pause?.reasonLabel, '专家评审');
  assert.equal((await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'reject', comment: '否' }))).message, '案件已中止计时, 请先恢复计时再办理。');
  assert.equal((await refusal(() => resumeCase(as(clerk), { caseId: c.id }))).status, 404);
  clock.set(cst('2026-03-03T15:00'));
  const resumed = await resumeCase(as(reviewer), { caseId: c.id, comment: '评审完毕' });
  assert.equal(resumed.status, 'open');
  assert.equal(resumed.pause, null);
  assert.equal(resumed.deadline?.at, cst('2026-03-05T17:00').toISOString(), 'one working day (Tuesday) paused');
  assert.deepEqual((await getCase(as(reviewer), { id: c.id })).history.map((h) => h.action), ['start', 'suspend', 'resume']);
});

test('withdraw: only the starter, only while not closed; a paused case withdraws too', async () => {
  clock.set(MONDAY_9);
  const c = await start();
  assert.equal((await refusal(() => withdrawCase(as(reviewer), { caseId: c.id }))).code, 'not_starter');
  const w = await withdrawCase(as(applicant), { caseId: c.id, comment: '不再申请' });
  assert.equal(w.status, 'withdrawn');
  assert.equal(w.closedAt, MONDAY_9.toISOString());
  assert.equal(w.deadline, null);
  const pending = await queryRows(tp.database.db, sql`SELECT id FROM workflow.timers WHERE case_id = ${c.id} AND status = 'pending'`);
  assert.equal(pending.length, 0);
  assert.equal((await refusal(() => takeTransition(as(reviewer), { caseId: c.id, transition: 'reject', comment: '否' }))).message, '案件已被发起人撤回。');
  assert.equal((await refusal(() => withdrawCase(as(applicant), { caseId: c.id }))).code, 'case_not_actionable');
  assert.deepEqual((await getCase(as(reviewer), { id: c.id })).actions, []);

  const d = await start();
  await returnForCorrection(as(reviewer), { caseId: d.id, comment: '补材料' });
  const w2 = await withdrawCase(as(applicant), { caseId: d.id });
  assert.equal(w2.status, 'withdrawn');
  assert.equal(w2.pause, null);
  const open = await queryRows(tp.database.db, sql`SELECT id FROM workflow.pauses WHERE case_id = ${d.id} AND ended_at IS NULL`);
  assert.equal(open.length, 0, 'the pause was closed');
});

test('optimistic concurrency: a stale step answers 409 case_changed; simultaneous claims serialise', async () => {
  clock.set(MONDAY_9);
  const c = await start();
  await takeTransition(as(reviewer), { caseId: c.id, transition: 'approve', fields: { opinion: '同意' }, expectedVersion: 1 });
  const stale = await refusal(() => takeTransition(as(reviewer2), { caseId: c.id, transition: 'reject', comment: '否', expectedVersion: 1 }));
  assert.equal(stale.status, 409);
  assert.equal(stale.code, 'case_changed');
  assert.equal(stale.message, '案件已被他人处理, 请刷新');

  const d = await start();
  const results = await Promise.allSettled([claimCase(as(reviewer), { caseId: d.id }), claimCase(as(reviewer2), { caseId: d.id })]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.equal((failed.reason as AppError).code, 'case_taken');
  assert.equal(await historyCount(d.id), 2);
});

test('versions: a running case keeps the version it started with', async () => {
  clock.set(MONDAY_9);
  const old = await start({ amount: 5000 });
  await registerWorkflows(tp.ctx(), { definitions: [approvalV2] });
  const fresh = await startCase(as(applicant), { definitionKey: 'test.approval', title: '新版本案件', regionCode: '410102', subject: { module: 'wftest', id: newId() },
    data: { applicant: '张三', amount: 5000 }, unit: { id: UNITS.zhongyuan.id, name: UNITS.zhongyuan.name } });
  assert.equal(old.definitionVersion, 1);
  assert.equal(fresh.definitionVersion, 2);
  assert.equal((await refusal(() => takeTransition(as(reviewer), { caseId: fresh.id, transition: 'refer', fields: { level: 'city' } }))).code, 'transition_unknown');
  const closed = await takeTransition(as(reviewer), { caseId: fresh.id, transition: 'approve', fields: { opinion: '同意' } });
  assert.equal(closed.status, 'closed', 'v2 approves without a guard and closes');
  const referred = await takeTransition(as(reviewer), { caseId: old.id, transition: 'refer', fields: { level: 'city' } });
  assert.equal(referred.definitionVersion, 1);
  assert.equal((await takeTransition(as(cityReviewer), { caseId: old.id, transition: 'approve', fields: { opinion: '同意' } })).state, 'approved', 'v1: approved, waiting for the auto-close');
  const recorded = await queryRows<{ version: number; hash: string }>(tp.database.db, sql`SELECT version, hash FROM workflow.definitions WHERE key = 'test.approval' ORDER BY version`);
  assert.deepEqual(recorded.map((r) => [Number(r.version), r.hash]), [[1, approvalV1.hash], [2, approvalV2.hash]]);
  assert.notEqual(approvalV1.hash, approvalV2.hash);
});

test('a recorded version whose shape changed stops registration; bad definitions fail at definition time', async () => {
  const other = defineWorkflow({
    key: 'test.other',
    version: 1,
    title: '另一个',
    initial: 'a',
    states: { a: { label: '甲', scope: SCOPES.review }, b: { label: '乙', terminal: true } },
    transitions: [{ name: 'go', label: '完成', from: ['a'], to: 'b' }],
  });
  await tp.database.db.execute(sql`INSERT INTO workflow.definitions (key, version, hash, title, shape, registered_at)
    VALUES ('test.other', 1, 'an-older-shape', '另一个', '{}'::jsonb, ${MONDAY_9.toISOString()})`);
  await assert.rejects(() => registerWorkflows(tp.ctx(), { definitions: [other] }), /结构已改变/);
  const changed = defineWorkflow({ ...approvalV1, title: '改名但未升版本' });
  await assert.rejects(() => registerWorkflows(tp.ctx(), { definitions: [changed] }), /registered twice with different shapes/);
  assert.throws(() => defineWorkflow({ key: 'test.bad', version: 1, title: '坏', initial: 'a', states: { a: { label: '甲' } }, transitions: [] }), /needs a scope/);
  assert.throws(() => defineWorkflow({ key: 'test.bad', version: 1, title: '坏', initial: 'a', states: { a: { label: '甲', scope: 's', reminderBefore: 1 } }, transitions: [] }), /reminder needs a deadline/);
});

test('every operation is audited and published; the history is append-only', async () => {
  clock.set(MONDAY_9);
  const c = await start();
  await claimCase(as(reviewer), { caseId: c.id });
  await takeTransition(as(reviewer), { caseId: c.id, transition: 'approve', fields: { opinion: '同意' } });
  const audits = await queryRows<{ action: string }>(tp.database.db, sql`SELECT action FROM platform.audit_log WHERE target_type = 'workflow.case' AND target_id = ${c.id} ORDER BY seq`);
  assert.deepEqual(audits.map((a) => a.action), ['workflow.case.start', 'workflow.case.claim', 'workflow.case.transition']);
  const events = await queryRows<{ type: string }>(tp.database.db, sql`SELECT type FROM platform.outbox_events WHERE ordering_key = ${c.id} ORDER BY occurred_at, id`);
  assert.deepEqual(events.map((e) => e.type), ['workflow.case.started', 'workflow.assigned', 'workflow.case.claimed', 'workflow.case.transitioned', 'workflow.assigned']);
  const appendOnly = (err: unknown) => /append-only/.test(`${(err as Error).message} ${String((err as { cause?: Error }).cause?.message)}`);
  await assert.rejects(() => tp.database.db.execute(sql`UPDATE workflow.history SET comment = '改写' WHERE case_id = ${c.id}`), appendOnly);
  await assert.rejects(() => tp.database.db.execute(sql`DELETE FROM workflow.history WHERE case_id = ${c.id}`), appendOnly);
});
