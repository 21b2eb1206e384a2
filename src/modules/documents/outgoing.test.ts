/**
 * The outgoing flow with the right people and refusals for the wrong ones: draft → 核稿 → 签发
 * (numbered) → 用印 → 分发, which creates an incoming case per recipient unit in the same
 * transaction; 退回修改; drafts locked once submitted; the engine's generic transitions cannot skip
 * the document's work; classified documents refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, type TestPlatform } from '../../../test/support/platform.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { getCase, listInbox, takeTransition } from '../../platform/workflow/index.ts';
import {
  approveReview,
  createDraft,
  distributeDocument,
  getDocument,
  returnDocument,
  sealDocument,
  signDocument,
  submitDocument,
  updateDraft,
} from './index.ts';
import { CLASSIFIED_REFUSAL } from './model.ts';
import { MONDAY_9, as, draft, draftInput, makeWorld, postsOf, refusal, startDocumentsPlatform, staffAt, type World } from './test-helpers.ts';

const clock = manualClock(MONDAY_9);
let tp: TestPlatform;
let w: World;
let hn: ReturnType<typeof postsOf>;
let zz: ReturnType<typeof postsOf>;
let ly: ReturnType<typeof postsOf>;

before(async () => {
  tp = await startDocumentsPlatform({ clock });
  w = await makeWorld(tp);
  hn = postsOf(w.province, '省政府');
  zz = postsOf(w.zhengzhou, '郑州市');
  ly = postsOf(w.luoyang, '洛阳市');
});
after(() => tp.close());

test('the whole outgoing flow, each step by its post; wrong posts and other units refused', async () => {
  clock.set(MONDAY_9);
  const id = await draft(tp, hn.drafter, w);
  let d = await getDocument(as(tp, hn.drafter), { id });
  assert.equal(d.state, 'drafting');
  assert.equal(d.docNumber, null);
  assert.equal(d.issuerMark, `${w.province.name}文件`, 'default 发文机关标志');
  assert.equal(d.issuerSignature, w.province.name);
  assert.equal(d.printingUnit, `${w.province.name}办公厅`);
  assert.deepEqual(d.mainRecipients.map((r) => r.unitId), [w.zhengzhou.id, w.luoyang.id]);
  assert.equal(d.editRefusal, null);
  assert.ok((await listInbox(as(tp, hn.drafter), { box: 'todo' })).items.some((c) => c.id === d.caseId), 'the draft waits in the drafter\'s 待办');

  // Only the drafter's unit sees a draft; the recipients do not yet.
  for (const who of [zz.reader, zz.clerk, ly.clerk]) assert.equal((await refusal(() => getDocument(as(tp, who), { id }))).status, 404, who.name);

  // The reviewer cannot submit; the drafter cannot review.
  assert.equal((await refusal(() => submitDocument(as(tp, hn.reviewer), { documentId: id }))).status, 403);
  await submitDocument(as(tp, hn.drafter), { documentId: id, comment: '请核稿' });
  d = await getDocument(as(tp, hn.drafter), { id });
  assert.equal(d.state, 'reviewing');
  assert.match(d.editRefusal ?? '', /核稿/);
  assert.equal((await refusal(() => updateDraft(as(tp, hn.drafter), { ...draftInput(w), id }))).code, 'document_not_editable', 'a submitted draft is locked');

  assert.equal((await refusal(() => approveReview(as(tp, hn.drafter), { documentId: id }))).status, 403);
  assert.equal((await refusal(() => approveReview(as(tp, zz.reviewer), { documentId: id }))).status, 404, 'another unit\'s reviewer does not see it');
  assert.equal((await refusal(() => signDocument(as(tp, hn.signer), { documentId: id }))).code, 'document_state', 'not yet at 签发');
  await approveReview(as(tp, hn.reviewer), { documentId: id, comment: '同意' });

  // 签发: only the signer; a refusal leaves no number behind.
  assert.equal((await refusal(() => signDocument(as(tp, hn.reviewer), { documentId: id }))).status, 403);
  assert.equal((await refusal(() => signDocument(as(tp, zz.signer), { documentId: id }))).status, 404);
  assert.equal((await getDocument(as(tp, hn.signer), { id })).docNumber, null);
  await signDocument(as(tp, hn.signer), { documentId: id, comment: '同意印发' });
  d = await getDocument(as(tp, hn.signer), { id });
  assert.equal(d.state, 'sealing');
  assert.match(d.docNumber ?? '', /^豫政〔2026〕\d+号$/);
  assert.equal(d.signer?.name, hn.signer.name);
  assert.equal(d.writtenDate, '2026-03-02', '成文日期 is the day of signing (China time)');

  // 用印 and 分发: holders of documents.seal.manage at the sending unit.
  assert.equal((await refusal(() => sealDocument(as(tp, hn.signer), { documentId: id }))).status, 403);
  assert.equal((await refusal(() => sealDocument(as(tp, zz.sealer), { documentId: id }))).status, 404);
  await sealDocument(as(tp, hn.sealer), { documentId: id });
  d = await getDocument(as(tp, hn.sealer), { id });
  assert.equal(d.state, 'distributing');
  assert.ok(d.seal?.verificationCode?.match(/^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/));
  assert.equal(d.printingDate, '2026-03-02');
  assert.deepEqual(d.receipts, [], 'nothing delivered yet');

  assert.equal((await refusal(() => distributeDocument(as(tp, hn.drafter), { documentId: id }))).status, 403);
  await distributeDocument(as(tp, hn.sealer), { documentId: id });
  d = await getDocument(as(tp, hn.drafter), { id });
  assert.equal(d.state, 'distributed');
  assert.equal(d.caseStatus, 'closed');
  assert.equal(d.receipts?.length, 2);
  assert.ok(d.receipts?.every((r) => r.receivedAt === null));

  // Each recipient unit got its incoming record and case in the same transaction; their clerks see it in the pool.
  const incoming = await queryRows<{ recipient_unit_id: string; case_id: string }>(tp.database.db, sql`SELECT recipient_unit_id, case_id FROM documents.incoming WHERE document_id = ${id}`);
  assert.deepEqual(incoming.map((i) => i.recipient_unit_id).sort(), [w.zhengzhou.id, w.luoyang.id].sort());
  for (const [clerk, unit] of [[zz.clerk, w.zhengzhou], [ly.clerk, w.luoyang]] as const) {
    const todo = await listInbox(as(tp, clerk), { box: 'todo' });
    const item = todo.items.find((c) => c.subject.module === 'documents' && incoming.some((i) => i.case_id === c.id));
    assert.ok(item, `${clerk.name} sees the document in the inbox`);
    assert.equal(item.unit?.id, unit.id);
    assert.equal(item.state, 'registering');
    const seen = await getDocument(as(tp, clerk), { id });
    assert.equal(seen.receipts, null, 'recipients do not see the other units\' receipts');
    assert.equal(seen.incoming.length, 1, 'a recipient sees only its own incoming record');
  }
  assert.equal((await listInbox(as(tp, hn.clerk), { box: 'todo' })).items.filter((c) => c.definitionKey === 'documents.incoming').length, 0, 'the sender\'s own clerks get nothing');

  // Audit trail of the document's own work.
  const actions = (await queryRows<{ action: string }>(tp.database.db, sql`SELECT action FROM platform.audit_log WHERE target_id = ${id} ORDER BY seq`)).map((r) => r.action);
  assert.deepEqual(actions, ['documents.document.draft', 'documents.document.submit', 'documents.document.review', 'documents.document.sign', 'documents.document.seal', 'documents.document.distribute']);
});

test('退回修改 from 核稿 and from 签发 goes back to the drafter, who may edit again; a comment is required', async () => {
  clock.set(MONDAY_9);
  const id = await draft(tp, hn.drafter, w, { title: '退回测试' });
  await submitDocument(as(tp, hn.drafter), { documentId: id });
  const noComment = await refusal(() => returnDocument(as(tp, hn.reviewer), { documentId: id }));
  assert.equal(noComment.code, 'validation_failed');
  await returnDocument(as(tp, hn.reviewer), { documentId: id, comment: '标题不规范' });
  let d = await getDocument(as(tp, hn.drafter), { id });
  assert.equal(d.state, 'drafting');
  assert.equal(d.editRefusal, null);
  const other = staffAt('另一拟稿员', w.province, ['documents.outgoing.draft']);
  assert.match((await refusal(() => updateDraft(as(tp, other), { ...draftInput(w), id }))).message, /拟稿/, 'the case is the drafter\'s');
  await updateDraft(as(tp, hn.drafter), { ...draftInput(w, { title: '关于退回测试的通知' }), id, expectedVersion: d.version });
  assert.equal((await refusal(() => updateDraft(as(tp, hn.drafter), { ...draftInput(w), id, expectedVersion: d.version }))).code, 'document_changed');
  await submitDocument(as(tp, hn.drafter), { documentId: id });
  await approveReview(as(tp, hn.reviewer), { documentId: id });
  await returnDocument(as(tp, hn.signer), { documentId: id, comment: '请补充依据' });
  d = await getDocument(as(tp, hn.drafter), { id });
  assert.equal(d.state, 'drafting');
  assert.equal(d.title, '关于退回测试的通知');
  assert.equal(d.docNumber, null);
});

test('the engine\'s generic transitions cannot skip numbering, sealing or distribution', async () => {
  clock.set(MONDAY_9);
  const id = await draft(tp, hn.drafter, w, { title: '守卫测试' });
  await submitDocument(as(tp, hn.drafter), { documentId: id });
  await approveReview(as(tp, hn.reviewer), { documentId: id });
  const d = await getDocument(as(tp, hn.signer), { id });
  const err = await refusal(() => takeTransition(as(tp, hn.signer), { caseId: d.caseId!, transition: 'sign' }));
  assert.equal(err.code, 'transition_refused');
  assert.match(err.message, new RegExp(`/workbench/documents/${id}`), 'the refusal says where to sign');
  const detail = await getCase(as(tp, hn.signer), { id: d.caseId! });
  assert.match(detail.actions.find((a) => a.transition?.name === 'sign')?.blockedReason ?? '', /公文页面/);
  // Refused stays refused: no number was taken, the case did not move.
  assert.equal((await getDocument(as(tp, hn.signer), { id })).state, 'signing');
});

test('classified documents are refused with a clear message and nothing is written', async () => {
  const before = await queryOne<{ n: number }>(tp.database.db, sql`SELECT count(*)::int AS n FROM documents.documents`);
  for (const classification of ['secret', 'confidential', 'top_secret']) {
    const err = await refusal(() => createDraft(as(tp, hn.drafter), draftInput(w, { classification })));
    assert.equal(err.code, 'classified_not_allowed');
    assert.equal(err.status, 422);
    assert.equal(err.message, CLASSIFIED_REFUSAL);
    assert.match(err.message, /不是涉密信息系统/);
    assert.deepEqual(err.fields.map((f) => f.field), ['classification']);
  }
  const period = await refusal(() => createDraft(as(tp, hn.drafter), draftInput(w, { classificationPeriod: '10年' })));
  assert.deepEqual(period.fields.map((f) => f.field), ['classificationPeriod']);
  const after = await queryOne<{ n: number }>(tp.database.db, sql`SELECT count(*)::int AS n FROM documents.documents`);
  assert.equal(after?.n, before?.n);
  // The table refuses them too.
  await assert.rejects(tp.database.db.execute(sql`UPDATE documents.documents SET classification = 'secret'`));
});

test('draft validation: Chinese messages per field; recipients must be active, distinct and not the sender', async () => {
  const err = await refusal(() => createDraft(as(tp, hn.drafter), draftInput(w, { title: '', numberPrefix: '豫政1', urgency: 'fast', copyNumber: '12', mainRecipientIds: [w.province.id] })));
  assert.equal(err.code, 'validation_failed');
  const byField = Object.fromEntries(err.fields.map((f) => [f.field, f.message]));
  assert.equal(byField.title, '请填写「标题」');
  assert.match(byField.numberPrefix, /发文机关代字/);
  assert.equal(byField.urgency, '请选择「紧急程度」');
  assert.match(byField.copyNumber, /份号/);
  assert.equal(byField.mainRecipientIds, '发文机关不能向自己发文');
  const dup = await refusal(() => createDraft(as(tp, hn.drafter), draftInput(w, { mainRecipientIds: [w.zhengzhou.id], copyRecipientIds: [w.zhengzhou.id] })));
  assert.match(dup.message, /重复/);
  const none = await refusal(() => createDraft(as(tp, hn.drafter), draftInput(w, { mainRecipientIds: [] })));
  assert.match(none.message, /主送机关/);
  const stranger = await refusal(() => createDraft(as(tp, zz.reader), draftInput(w)));
  assert.equal(stranger.status, 403);
});
