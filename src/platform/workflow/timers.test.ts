import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manualClock, scratchPostgresDatabase, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { newId } from '../ids.ts';
import { openDatabase, queryOne, queryRows, sql, type Database } from '../db/index.ts';
import type { Actor } from '../context.ts';
import { startCase, takeTransition } from './cases.ts';
import { getCase, listInbox } from './queries.ts';
import { runDueTimers } from './timers.ts';
import { verifyAuditChain } from '../audit/chain.ts';
import { workflowStats } from './stats.ts';
import { WORKFLOW_SCOPES, type CaseView } from './model.ts';
import { MONDAY_9, SCOPES, UNITS, actorAt, citizen, cst, testModules } from './test-helpers.ts';

const clock = manualClock(MONDAY_9);
let tp: TestPlatform;

const reviewer = actorAt('中原区审核员', UNITS.zhongyuan, [SCOPES.review]);
const supervisor = actorAt('郑州市督办员', UNITS.zhengzhou, [SCOPES.supervise, WORKFLOW_SCOPES.statsRead]);
const applicant = citizen('王五');

before(async () => {
  tp = await startTestPlatform({ clock, modules: testModules() });
});
after(() => tp.close());

const as = (actor: Actor) => tp.ctx(actor);

function start(ctxTp: TestPlatform = tp, title = '定时测试'): Promise<CaseView> {
  return startCase(ctxTp.ctx(applicant), {
    definitionKey: 'test.approval',
    version: 1,
    title,
    regionCode: '410102',
    subject: { module: 'wftest', id: newId() },
    data: { applicant: '王五', amount: 300 },
    unit: { id: UNITS.zhongyuan.id, name: UNITS.zhongyuan.name },
  });
}

async function timersOf(caseId: string, db = tp.database.db) {
  return queryRows<{ kind: string; status: string; due_at: Date | string; fired_at: Date | string | null; lag_ms: string | number | null }>(
    db,
    sql`SELECT kind, status, due_at, fired_at, lag_ms FROM workflow.timers WHERE case_id = ${caseId} ORDER BY due_at, kind`,
  );
}

test('reminder before the deadline, escalation when it passes, and the automatic close fire at their times', async () => {
  clock.set(MONDAY_9);
  const c = await start();
  assert.deepEqual((await timersOf(c.id)).map((t) => [t.kind, t.status, new Date(t.due_at).toISOString()]), [
    ['reminder', 'pending', cst('2026-03-03T17:00').toISOString()],
    ['escalation', 'pending', cst('2026-03-04T17:00').toISOString()],
  ]);
  assert.equal((await runDueTimers(tp.ctx())).fired, 0, 'nothing due on Monday');

  clock.set(cst('2026-03-03T17:00'));
  assert.deepEqual(await runDueTimers(tp.ctx()), { fired: 1, cancelled: 0, failed: 0 });
  const reminded = await getCase(as(reviewer), { id: c.id });
  assert.equal(reminded.history.at(-1)?.action, 'remind');
  assert.equal(reminded.history.at(-1)?.actor.kind, 'system');
  const notice = await queryOne<{ payload: { deadline: string } }>(tp.database.db, sql`SELECT payload FROM platform.outbox_events WHERE type = 'workflow.reminder' AND ordering_key = ${c.id}`);
  assert.equal(notice?.payload.deadline, cst('2026-03-04T17:00').toISOString());
  assert.equal((await listInbox(as(reviewer), { box: 'due_soon' })).items.some((i) => i.id === c.id), true, '即将超期 within one working day');

  clock.set(cst('2026-03-04T17:01'));
  assert.equal((await runDueTimers(tp.ctx())).fired, 1);
  const escalated = await getCase(as(supervisor), { id: c.id });
  assert.equal(escalated.case.late, true);
  assert.deepEqual(escalated.case.escalation, { at: cst('2026-03-04T17:01').toISOString(), unitId: UNITS.zhengzhou.id, unitName: UNITS.zhengzhou.name });
  assert.equal(escalated.history.at(-1)?.action, 'escalate');
  assert.equal(escalated.deadline?.overdue, true);
  assert.ok((await listInbox(as(supervisor), { box: 'overdue' })).items.some((i) => i.id === c.id), 'the escalation unit sees it under 已超期');
  assert.ok((await listInbox(as(reviewer), { box: 'overdue' })).items.some((i) => i.id === c.id));
  const lags = (await timersOf(c.id)).filter((t) => t.status === 'fired').map((t) => Number(t.lag_ms));
  assert.deepEqual(lags, [0, 60_000], 'fired_at - due_at is recorded');

  clock.set(cst('2026-03-05T09:00'));
  const approved = await takeTransition(as(reviewer), { caseId: c.id, transition: 'approve', fields: { opinion: '同意' } });
  assert.equal(approved.state, 'approved');
  assert.equal(approved.late, true, 'approved after the deadline: late');
  const auto = (await timersOf(c.id)).find((t) => t.kind === 'auto_transition');
  assert.equal(new Date(auto!.due_at).toISOString(), cst('2026-03-07T09:00').toISOString(), '48 hours later');

  clock.set(cst('2026-03-07T09:00'));
  assert.equal((await runDueTimers(tp.ctx())).fired, 1);
  const closed = await getCase(as(reviewer), { id: c.id });
  assert.equal(closed.case.status, 'closed');
  assert.equal(closed.case.state, 'closed');
  assert.equal(closed.case.handlingWorkingDays, 4, 'Monday to Saturday: Tue, Wed, Thu, Fri');
  const last = closed.history.at(-1)!;
  assert.deepEqual([last.action, last.transition, last.actor.kind, last.actor.name], ['transition', 'close', 'system', '系统']);

  const stats = await workflowStats(as(supervisor), { definitionKey: 'test.approval' });
  const row = stats.rows.find((r) => r.unitId === UNITS.zhongyuan.id)!;
  assert.deepEqual([row.received, row.closed, row.closedOnTime, row.overdue, row.averageWorkingDays], [1, 1, 0, 0, 4]);
});

test('a case that moved on cancels its timers instead of firing them', async () => {
  clock.set(MONDAY_9);
  const c = await start();
  await takeTransition(as(reviewer), { caseId: c.id, transition: 'reject', comment: '材料不全' });
  assert.deepEqual((await timersOf(c.id)).map((t) => [t.kind, t.status]), [['reminder', 'cancelled'], ['escalation', 'cancelled']]);
  clock.set(cst('2026-03-05T09:00'));
  const r = await runDueTimers(tp.ctx());
  assert.equal((await getCase(as(reviewer), { id: c.id })).history.filter((h) => h.action === 'remind' || h.action === 'escalate').length, 0);
  assert.equal(r.failed, 0);
});

test('each due timer fires exactly once when two workers with several lanes run at the same time', async () => {
  clock.set(MONDAY_9);
  const cases: CaseView[] = [];
  for (let i = 0; i < 6; i += 1) cases.push(await start(tp, `并发 ${i}`));
  clock.set(cst('2026-03-03T17:00'));
  // Two workers, each with three lanes, as boot runs them on PostgreSQL.
  const [a, b] = await Promise.all([runDueTimers(tp.ctx(), { concurrency: 3 }), runDueTimers(tp.ctx(), { concurrency: 3 })]);
  assert.equal(a.fired + b.fired, 6, `worker A fired ${a.fired}, worker B ${b.fired}`);
  assert.equal(a.failed + b.failed, 0);
  const ids = cases.map((c) => c.id);
  for (const id of ids) {
    const reminders = await queryRows(tp.database.db, sql`SELECT id FROM workflow.history WHERE case_id = ${id} AND action = 'remind'`);
    assert.equal(reminders.length, 1, `one reminder for ${id}`);
  }
  const notices = await queryOne<{ n: string | number }>(tp.database.db, sql`SELECT count(*) AS n FROM platform.outbox_events WHERE type = 'workflow.reminder' AND ordering_key IN (
    SELECT id::text FROM workflow.cases WHERE title LIKE '并发 %')`);
  assert.equal(Number(notices?.n), 6);
  assert.deepEqual(await runDueTimers(tp.ctx()), { fired: 0, cancelled: 0, failed: 0 }, 'nothing left');
});

test('a failing timer in a batch rolls back alone: the others fire, it is retried later, and it leaves no audit record', async () => {
  clock.set(MONDAY_9);
  const ok1 = await start(tp, '批量 甲');
  const bad = await start(tp, '批量 无法升级');
  const ok2 = await start(tp, '批量 乙');
  clock.set(cst('2026-03-04T17:05'));
  // One lane, one batch: reminders and escalations of all three cases are due together.
  const r = await runDueTimers(tp.ctx(), { concurrency: 1, batchSize: 25 });
  assert.equal(r.failed, 1, 'one failure (earlier tests leave other due timers, which fire too)');
  for (const c of [ok1, bad, ok2]) {
    const mine = (await timersOf(c.id)).map((t) => `${t.kind}:${t.status}`);
    assert.deepEqual(mine, c === bad ? ['reminder:fired', 'escalation:pending'] : ['reminder:fired', 'escalation:fired'], c.title);
  }
  for (const c of [ok1, ok2]) assert.ok((await getCase(as(supervisor), { id: c.id })).case.escalation, `${c.title} escalated`);
  const failed = (await timersOf(bad.id)).find((t) => t.kind === 'escalation');
  assert.equal(failed?.status, 'pending', 'retried later');
  const row = await queryOne<{ attempts: number; last_error: string; next_attempt_at: Date | string }>(tp.database.db,
    sql`SELECT attempts, last_error, next_attempt_at FROM workflow.timers WHERE case_id = ${bad.id} AND kind = 'escalation'`);
  assert.equal(Number(row?.attempts), 1);
  assert.match(row?.last_error ?? '', /找不到上级督办单位/);
  assert.ok(new Date(row!.next_attempt_at).getTime() > clock.now().getTime(), 'backs off');
  const audits = await queryRows<{ action: string; target_id: string }>(tp.database.db,
    sql`SELECT action, target_id FROM platform.audit_log WHERE target_id IN (${ok1.id}, ${bad.id}, ${ok2.id}) AND action LIKE 'workflow.case.%' AND action <> 'workflow.case.start'`);
  assert.deepEqual(audits.filter((a) => a.target_id === bad.id).map((a) => a.action), ['workflow.case.remind'], 'the failed escalation wrote no audit record');
  assert.equal(audits.filter((a) => a.action === 'workflow.case.escalate').length, 2);
  assert.deepEqual((await verifyAuditChain(tp.database.db)).ok, true, 'the chain stays whole');
});

test('timers survive a restart: stored by one platform, fired by the worker of the next', async () => {
  const serverUrl = process.env.EGOV_TEST_DATABASE_URL;
  const pgliteDir = serverUrl ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'egov-wf-restart-'));
  const scratch = serverUrl ? await scratchPostgresDatabase(serverUrl) : null;
  const open = (): Promise<Database> => (scratch ? openDatabase({ url: scratch.url, poolSize: 5 }) : openDatabase({ pgliteDir: pgliteDir! }));
  try {
    const clock1 = manualClock(MONDAY_9);
    const db1 = await open();
    const first = await startTestPlatform({ clock: clock1, modules: testModules(), database: db1 });
    const c = await start(first, '重启前受理');
    await first.close();
    await db1.close();

    // The next morning another process starts with the worker role; the reminder is overdue by then.
    const clock2 = manualClock(cst('2026-03-04T08:00'));
    const db2 = await open();
    const second = await startTestPlatform({ clock: clock2, modules: testModules(), database: db2, worker: true });
    try {
      let status = '';
      for (let i = 0; i < 300 && status !== 'fired'; i += 1) {
        const row = await queryOne<{ status: string }>(db2.db, sql`SELECT status FROM workflow.timers WHERE case_id = ${c.id} AND kind = 'reminder'`);
        status = row?.status ?? '';
        if (status !== 'fired') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status, 'fired', 'the worker loop fired the stored reminder');
      const [reminder] = (await timersOf(c.id, db2.db)).filter((t) => t.kind === 'reminder');
      assert.equal(Number(reminder.lag_ms), cst('2026-03-04T08:00').getTime() - cst('2026-03-03T17:00').getTime(), 'lag: due Tuesday 17:00, fired at Wednesday 08:00');
      const escalation = (await timersOf(c.id, db2.db)).find((t) => t.kind === 'escalation');
      assert.equal(escalation?.status, 'pending', 'the escalation is not due yet');
    } finally {
      await second.close();
      await db2.close();
    }
  } finally {
    if (pgliteDir) fs.rmSync(pgliteDir, { recursive: true, force: true });
    await scratch?.drop();
  }
});
