/**
 * Incoming documents: the recipient units find the distributed document in their inbox, sign for
 * it (the read receipt the sender sees, a gapless 收文编号), propose, instruct (naming a department
 * of the same level), handle before the deadline set by urgency, and file; when the handling
 * deadline passes the engine's timer escalates the case to the receiving unit's leaders.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, type TestPlatform } from '../../../test/support/platform.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { getCase, listInbox, runDueTimers } from '../../platform/workflow/index.ts';
import {
  approveReview,
  completeIncoming,
  distributeDocument,
  fileIncoming,
  getDocument,
  getIncoming,
  instructIncoming,
  proposeIncoming,
  registerIncoming,
  sealDocument,
  signDocument,
  submitDocument,
} from './index.ts';
import { MONDAY_9, as, cst, draft, makeWorld, postsOf, refusal, startDocumentsPlatform, staffAt, type World } from './test-helpers.ts';
import type { DraftInput } from './services/outgoing.ts';

const clock = manualClock(MONDAY_9);
let tp: TestPlatform;
let w: World;
let hn: ReturnType<typeof postsOf>;
let zz: ReturnType<typeof postsOf>;
let ly: ReturnType<typeof postsOf>;
let dept: ReturnType<typeof postsOf>;

before(async () => {
  tp = await startDocumentsPlatform({ clock });
  w = await makeWorld(tp);
  hn = postsOf(w.province, '省政府');
  zz = postsOf(w.zhengzhou, '郑州市');
  ly = postsOf(w.luoyang, '洛阳市');
  dept = postsOf(w.zzDept, '郑州市测试局');
});
after(() => tp.close());

/** A document of the province taken through the whole outgoing flow. */
async function distributed(over: Partial<DraftInput> = {}): Promise<string> {
  const id = await draft(tp, hn.drafter, w, over);
  await submitDocument(as(tp, hn.drafter), { documentId: id });
  await approveReview(as(tp, hn.reviewer), { documentId: id });
  await signDocument(as(tp, hn.signer), { documentId: id });
  await sealDocument(as(tp, hn.sealer), { documentId: id });
  await distributeDocument(as(tp, hn.sealer), { documentId: id });
  return id;
}

async function incomingOf(documentId: string, unitId: string): Promise<string> {
  const row = await queryOne<{ id: string }>(tp.database.db, sql`SELECT id FROM documents.incoming WHERE document_id = ${documentId} AND recipient_unit_id = ${unitId}`);
  return row!.id;
}

test('the recipients sign for it (read receipts for the sender, numbered register) and handle it to the end', async () => {
  clock.set(MONDAY_9);
  const id = await distributed({ urgency: 'urgent' });
  const zzIn = await incomingOf(id, w.zhengzhou.id);
  const lyIn = await incomingOf(id, w.luoyang.id);

  // Only the receiving unit's registry clerks sign for it.
  assert.equal((await refusal(() => registerIncoming(as(tp, zz.handler), { incomingId: zzIn }))).status, 403);
  assert.equal((await refusal(() => registerIncoming(as(tp, ly.clerk), { incomingId: zzIn }))).status, 404, 'another recipient does not see it');
  assert.equal((await refusal(() => registerIncoming(as(tp, hn.clerk), { incomingId: zzIn }))).status, 404, 'nor does the sender');

  clock.set(cst('2026-03-02T10:30'));
  await registerIncoming(as(tp, zz.clerk), { incomingId: zzIn });
  assert.equal((await refusal(() => registerIncoming(as(tp, zz.clerk), { incomingId: zzIn }))).code, 'incoming_state', 'signed once');
  let view = await getIncoming(as(tp, zz.clerk), { id: zzIn });
  assert.equal(view.registrationNumber, '收文〔2026〕1号');
  assert.equal(view.state, 'proposing');

  // The sender sees the read receipts: 郑州 signed (who, when), 洛阳 not yet.
  let doc = await getDocument(as(tp, hn.drafter), { id });
  const receipt = (unitId: string) => doc.receipts!.find((r) => r.unitId === unitId)!;
  assert.equal(receipt(w.zhengzhou.id).receivedBy, zz.clerk.name);
  assert.equal(receipt(w.zhengzhou.id).receivedAt, cst('2026-03-02T10:30').toISOString());
  assert.equal(receipt(w.luoyang.id).receivedAt, null);
  await registerIncoming(as(tp, ly.clerk), { incomingId: lyIn });
  doc = await getDocument(as(tp, hn.drafter), { id });
  assert.ok(doc.receipts!.every((r) => r.receivedAt !== null));
  assert.equal((await getIncoming(as(tp, ly.clerk), { id: lyIn })).registrationNumber, '收文〔2026〕1号', 'each unit numbers its own register');

  // 拟办 → 批示 (to a department of the same level) → 办结 by that department → 归档.
  assert.equal((await refusal(() => proposeIncoming(as(tp, zz.clerk), { incomingId: zzIn, proposal: '请市发改委办理' }))).status, 403);
  await proposeIncoming(as(tp, zz.handler), { incomingId: zzIn, proposal: '拟请测试局承办' });
  assert.equal((await refusal(() => instructIncoming(as(tp, zz.handler), { incomingId: zzIn, instruction: '同意' }))).status, 403);
  const county = await refusal(() => instructIncoming(as(tp, zz.leader), { incomingId: zzIn, instruction: '同意', handlingUnitId: w.zhongyuan.id }));
  assert.match(county.message, /同级/);
  await instructIncoming(as(tp, zz.leader), { incomingId: zzIn, instruction: '同意, 请测试局三日内办结', handlingUnitId: w.zzDept.id });
  view = await getIncoming(as(tp, zz.leader), { id: zzIn });
  assert.equal(view.state, 'handling_urgent', '加急: the 3-working-day handling state');
  assert.equal(view.deadline, cst('2026-03-05T17:00').toISOString(), 'Monday 10:30 + 3 working days');
  assert.equal(view.handlingUnitName, w.zzDept.name);

  // The department sees the task in its inbox and the document itself.
  const todo = await listInbox(as(tp, dept.handler), { box: 'todo' });
  assert.ok(todo.items.some((c) => c.id === view.caseId));
  assert.equal((await getDocument(as(tp, dept.handler), { id })).incoming.length, 1);
  assert.equal((await refusal(() => completeIncoming(as(tp, zz.handler), { incomingId: zzIn, result: '已办' }))).status, 403, 'the city office no longer handles it');
  await completeIncoming(as(tp, dept.handler), { incomingId: zzIn, result: '已按要求完成测试' });
  view = await getIncoming(as(tp, zz.clerk), { id: zzIn });
  assert.equal(view.state, 'filing');
  assert.equal(view.result, '已按要求完成测试');
  await fileIncoming(as(tp, zz.clerk), { incomingId: zzIn });
  view = await getIncoming(as(tp, zz.clerk), { id: zzIn });
  assert.equal(view.state, 'filed');
  assert.equal(view.caseStatus, 'closed');
  assert.equal(view.late, false);
});

test('the handling deadline follows urgency; when it passes the case escalates to the receiving unit\'s leaders', async () => {
  clock.set(MONDAY_9);
  const id = await distributed({ urgency: 'very_urgent', title: '特急件超期测试' });
  const zzIn = await incomingOf(id, w.zhengzhou.id);
  await registerIncoming(as(tp, zz.clerk), { incomingId: zzIn });
  await proposeIncoming(as(tp, zz.handler), { incomingId: zzIn, proposal: '拟由办公室办理' });
  await instructIncoming(as(tp, zz.leader), { incomingId: zzIn, instruction: '办公室立即办理' });
  let view = await getIncoming(as(tp, zz.leader), { id: zzIn });
  assert.equal(view.state, 'handling_very_urgent');
  assert.equal(view.deadline, cst('2026-03-03T17:00').toISOString(), '特急: 1 working day (the day itself not counted): Tuesday 17:00');

  // Nothing is due yet.
  clock.set(cst('2026-03-03T16:59'));
  assert.equal((await runDueTimers(tp.ctx())).fired, 0);
  assert.equal((await listInbox(as(tp, zz.leader), { box: 'overdue' })).items.length, 0);

  clock.set(cst('2026-03-03T17:01'));
  const r = await runDueTimers(tp.ctx());
  assert.equal(r.fired, 1);
  view = await getIncoming(as(tp, zz.leader), { id: zzIn });
  assert.equal(view.escalated, true);
  const detail = await getCase(as(tp, zz.leader), { id: view.caseId });
  assert.equal(detail.case.escalation?.unitId, w.zhengzhou.id);
  assert.ok(detail.history.some((h) => h.action === 'escalate'));
  const overdue = await listInbox(as(tp, zz.leader), { box: 'overdue' });
  assert.ok(overdue.items.some((c) => c.id === view.caseId), 'the leaders see it in 已超期');
  assert.ok((await listInbox(as(tp, zz.handler), { box: 'overdue' })).items.some((c) => c.id === view.caseId), 'and the handlers');
  const notice = await queryOne<{ n: number }>(tp.database.db, sql`SELECT count(*)::int AS n FROM platform.outbox_events WHERE type = 'workflow.escalated' AND payload->>'caseId' = ${view.caseId}`);
  assert.equal(notice?.n, 1, 'the escalation notice is queued for the notifier');

  // Handled late: closed, marked late.
  await completeIncoming(as(tp, zz.handler), { incomingId: zzIn, result: '已办' });
  await fileIncoming(as(tp, zz.clerk), { incomingId: zzIn });
  view = await getIncoming(as(tp, zz.clerk), { id: zzIn });
  assert.equal(view.late, true);
});

test('a visitor from elsewhere sees neither the document nor the incoming records', async () => {
  clock.set(MONDAY_9);
  const id = await distributed({ title: '可见范围测试' });
  const zzIn = await incomingOf(id, w.zhengzhou.id);
  const stranger = staffAt('中原区工作人员', w.zhongyuan, ['documents.incoming.register']);
  assert.equal((await refusal(() => getDocument(as(tp, stranger), { id }))).status, 404);
  assert.equal((await refusal(() => getIncoming(as(tp, stranger), { id: zzIn }))).status, 404);
  assert.equal((await refusal(() => getIncoming(as(tp, ly.reader), { id: zzIn }))).status, 404);
  // A recipient's reader sees the document and their own record only.
  const doc = await getDocument(as(tp, ly.reader), { id });
  assert.deepEqual(doc.incoming.map((i) => i.unitId), [w.luoyang.id]);
});
