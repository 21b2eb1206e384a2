/**
 * Outgoing documents (发文): drafting and editing, then the steps of the documents.outgoing flow.
 * Each step runs in one transaction that locks the document row, does the document's own work
 * (签发: the gapless number; 用印: the SM2 seal over the canonical content; 分发: one incoming
 * record and case per recipient unit) and takes the workflow transition, with audit records and
 * outbox events. A refusal anywhere rolls all of it back.
 */
import type { Ctx } from '../../../platform/context.ts';
import { systemActor } from '../../../platform/context.ts';
import { AppError, conflict, forbidden, notFound, type FieldProblem } from '../../../platform/errors.ts';
import { sql } from '../../../platform/db/index.ts';
import { newId } from '../../../platform/ids.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { casesForSubject, startCase, takeTransition, type CaseView } from '../../../platform/workflow/index.ts';
import { getUnitSummary, type UnitSummary } from '../../directory/index.ts';
import {
  CLASSIFICATIONS,
  CLASSIFIED_REFUSAL,
  EVENTS,
  INCOMING_FLOW,
  OUTGOING_FLOW,
  SCOPES,
  SUBJECT_MODULE,
  URGENCIES,
  type DocumentRow,
  type OutgoingState,
  type RecipientKind,
  type Urgency,
} from '../model.ts';
import { atSendingUnit, canSeeDocument, grantAt, isSystem, unitsWith } from './access.ts';
import { loadDocument, loadRecipients, activeSeal, UUID_RE } from './store.ts';
import { nextNumber } from './numbering.ts';
import { chinaDay, chinaYear, formatDocNumber, verificationCodeOf } from './format.ts';
import { CANONICAL_FORMAT } from '../model.ts';
import { contentHash, currentContent } from './canonical.ts';
import { makeSeal, signWithSeal } from './seals.ts';
import { checkStoredSeal } from './verify.ts';

export interface DraftInput {
  /** The drafting (sending) unit; default: the actor's only unit with documents.outgoing.draft. */
  unitId?: string;
  title: string;
  body: string;
  /** 发文机关代字, e.g. 豫政. */
  numberPrefix: string;
  urgency: string;
  /** 密级: only `none` (非密) is accepted; the others are refused (the platform is not a classified system). */
  classification?: string;
  classificationPeriod?: string;
  copyNumber?: string;
  issuerMark?: string;
  issuerSignature?: string;
  printingUnit?: string;
  attachmentNote?: string;
  note?: string;
  upward?: boolean;
  mainRecipientIds: string[];
  copyRecipientIds?: string[];
}

interface CheckedDraft {
  title: string;
  body: string;
  numberPrefix: string;
  urgency: Urgency;
  copyNumber: string | null;
  issuerMark: string;
  issuerSignature: string;
  printingUnit: string;
  attachmentNote: string | null;
  note: string | null;
  upward: boolean;
  recipients: { unit: UnitSummary; kind: RecipientKind; position: number }[];
}

const MAX_RECIPIENTS = 300;

const text = (v: unknown): string => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n').trim() : '');
const optional = (v: unknown): string | null => text(v) || null;

/** Refuses classified documents first, with a message that says why (not a generic validation error). */
export function refuseClassified(classification: string | undefined, period: string | undefined): void {
  const c = text(classification) || 'none';
  if (c !== 'none') {
    const known = (CLASSIFICATIONS as readonly string[]).includes(c);
    throw new AppError({
      code: known ? 'classified_not_allowed' : 'validation_failed',
      status: known ? 422 : 400,
      message: known ? CLASSIFIED_REFUSAL : '「密级」的取值不在允许范围内',
      fields: [{ field: 'classification', message: known ? CLASSIFIED_REFUSAL : '「密级」的取值不在允许范围内' }],
    });
  }
  if (text(period)) {
    throw new AppError({ code: 'validation_failed', status: 400, message: '非密公文不标注保密期限', fields: [{ field: 'classificationPeriod', message: '非密公文不标注保密期限' }] });
  }
}

/** Default 印发机关: the general office of the sending unit. */
export function defaultPrintingUnit(unit: { name: string; regionCode: string; unitType: string }): string {
  const upper = unit.regionCode.endsWith('00');
  return `${unit.name}${unit.unitType === 'government' && upper ? '办公厅' : '办公室'}`;
}

async function checkDraft(ctx: Ctx, input: DraftInput, sender: UnitSummary): Promise<CheckedDraft> {
  refuseClassified(input.classification, input.classificationPeriod);
  const problems: FieldProblem[] = [];
  const title = text(input.title);
  const body = text(input.body);
  const numberPrefix = text(input.numberPrefix);
  const urgency = text(input.urgency) as Urgency;
  const copyNumber = optional(input.copyNumber);
  const issuerMark = text(input.issuerMark) || `${sender.name}文件`;
  const issuerSignature = text(input.issuerSignature) || sender.name;
  const printingUnit = text(input.printingUnit) || defaultPrintingUnit(sender);
  const attachmentNote = optional(input.attachmentNote);
  const note = optional(input.note);
  if (!title) problems.push({ field: 'title', message: '请填写「标题」' });
  else if (title.length > 200) problems.push({ field: 'title', message: '「标题」不能超过 200 个字符' });
  if (!body) problems.push({ field: 'body', message: '请填写「正文」' });
  else if (body.length > 50_000) problems.push({ field: 'body', message: '「正文」不能超过 50000 个字符' });
  if (!numberPrefix) problems.push({ field: 'numberPrefix', message: '请填写「发文机关代字」, 如「豫政」' });
  else if (!/^[\u4e00-\u9fffA-Za-z]{1,10}$/.test(numberPrefix)) problems.push({ field: 'numberPrefix', message: '「发文机关代字」应为 1 至 10 个汉字或字母, 如「豫政」' });
  if (!(URGENCIES as readonly string[]).includes(urgency)) problems.push({ field: 'urgency', message: '请选择「紧急程度」' });
  if (copyNumber && !/^\d{6}$/.test(copyNumber)) problems.push({ field: 'copyNumber', message: '「份号」应为 6 位阿拉伯数字, 如 000001' });
  if (issuerMark.length > 60) problems.push({ field: 'issuerMark', message: '「发文机关标志」不能超过 60 个字符' });
  if (issuerSignature.length > 200) problems.push({ field: 'issuerSignature', message: '「发文机关署名」不能超过 200 个字符' });
  if (printingUnit.length > 100) problems.push({ field: 'printingUnit', message: '「印发机关」不能超过 100 个字符' });
  if (attachmentNote && attachmentNote.length > 2000) problems.push({ field: 'attachmentNote', message: '「附件说明」不能超过 2000 个字符' });
  if (note && note.length > 500) problems.push({ field: 'note', message: '「附注」不能超过 500 个字符' });

  const recipients: CheckedDraft['recipients'] = [];
  const seen = new Set<string>();
  const lists: [RecipientKind, string, unknown][] = [['main', 'mainRecipientIds', input.mainRecipientIds], ['copy', 'copyRecipientIds', input.copyRecipientIds ?? []]];
  for (const [kind, field, raw] of lists) {
    const ids = Array.isArray(raw) ? raw : [];
    let position = 0;
    for (const id of ids) {
      const unit = typeof id === 'string' && UUID_RE.test(id) ? await getUnitSummary(ctx, id) : null;
      if (!unit) {
        problems.push({ field, message: `收文单位「${String(id)}」不存在` });
        continue;
      }
      if (unit.status !== 'active') problems.push({ field, message: `「${unit.name}」已停用, 不能作为收文单位` });
      else if (unit.id === sender.id) problems.push({ field, message: '发文机关不能向自己发文' });
      else if (seen.has(unit.id)) problems.push({ field, message: `「${unit.name}」重复出现在主送或抄送机关中` });
      else {
        seen.add(unit.id);
        position += 1;
        recipients.push({ unit, kind, position });
      }
    }
  }
  if (!recipients.some((r) => r.kind === 'main') && !problems.some((p) => p.field === 'mainRecipientIds')) problems.push({ field: 'mainRecipientIds', message: '请至少指定一个「主送机关」' });
  if (recipients.length > MAX_RECIPIENTS) problems.push({ field: 'mainRecipientIds', message: `主送和抄送机关合计不能超过 ${MAX_RECIPIENTS} 个` });
  if (problems.length) throw new AppError({ code: 'validation_failed', status: 400, message: problems.map((p) => p.message).join('; '), fields: problems });
  return { title, body, numberPrefix, urgency, copyNumber, issuerMark, issuerSignature, printingUnit, attachmentNote, note, upward: input.upward === true, recipients };
}

async function writeRecipients(ctx: Ctx, documentId: string, recipients: CheckedDraft['recipients']): Promise<void> {
  await ctx.db.execute(sql`DELETE FROM documents.recipients WHERE document_id = ${documentId}`);
  for (const r of recipients) {
    await ctx.db.execute(sql`INSERT INTO documents.recipients (document_id, unit_id, unit_name, kind, position) VALUES (${documentId}, ${r.unit.id}, ${r.unit.name}, ${r.kind}, ${r.position})`);
  }
}

/** The unit the actor drafts for: the one named (where they hold documents.outgoing.draft), or their only such unit. */
async function draftingUnit(ctx: Ctx, unitId: string | undefined): Promise<UnitSummary> {
  const units = unitsWith(ctx.actor, SCOPES.outgoingDraft);
  const chosen = unitId ? units.find((u) => u.unitId === unitId) : units.length === 1 ? units[0] : undefined;
  if (!chosen) {
    if (units.length === 0 && !isSystem(ctx.actor)) throw forbidden('您没有起草发文的权限。');
    throw new AppError({ code: 'validation_failed', status: 400, message: '请选择发文机关', fields: [{ field: 'unitId', message: '请选择您有起草权限的发文机关' }] });
  }
  const unit = await getUnitSummary(ctx, chosen.unitId);
  if (!unit || unit.status !== 'active') throw conflict('unit_inactive', '发文机关不存在或已停用。');
  if (!grantAt(ctx.actor, unit.id, SCOPES.outgoingDraft, unit.regionCode)) throw forbidden('您没有在该单位起草发文的权限。');
  return unit;
}

/** The document's outgoing case (its current state). */
export async function outgoingCase(ctx: Ctx, doc: Pick<DocumentRow, 'id'>): Promise<CaseView | null> {
  const cases = await casesForSubject(ctx, { module: SUBJECT_MODULE, id: doc.id });
  return cases.find((c) => c.definitionKey === OUTGOING_FLOW) ?? null;
}

/** Creates a draft (拟稿) and its outgoing case, assigned to the drafter. */
export async function createDraft(ctx: Ctx, input: DraftInput & { isDemo?: boolean }): Promise<{ id: string }> {
  const unit = isSystem(ctx.actor) && input.unitId ? await getUnitSummary(ctx, input.unitId) : await draftingUnit(ctx, input.unitId);
  if (!unit) throw notFound('unit_not_found', '发文机关不存在。');
  const d = await checkDraft(ctx, input, unit);
  return inTransaction(ctx, async (tctx) => {
    const id = newId();
    const now = tctx.clock.now().toISOString();
    const a = tctx.actor;
    await tctx.db.execute(sql`INSERT INTO documents.documents (id, sending_unit_id, sending_unit_name, region_code, copy_number, classification, urgency,
        issuer_mark, number_prefix, upward, title, body, attachment_note, issuer_signature, note, printing_unit, is_demo,
        created_by_user_id, created_by_name, created_at, updated_at, version)
      VALUES (${id}, ${unit.id}, ${unit.name}, ${unit.regionCode}, ${d.copyNumber}, 'none', ${d.urgency}, ${d.issuerMark}, ${d.numberPrefix}, ${d.upward},
        ${d.title}, ${d.body}, ${d.attachmentNote}, ${d.issuerSignature}, ${d.note}, ${d.printingUnit}, ${input.isDemo === true},
        ${a.userId}, ${a.name}, ${now}, ${now}, 1)`);
    await writeRecipients(tctx, id, d.recipients);
    const c = await startCase(tctx, {
      definitionKey: OUTGOING_FLOW,
      title: d.title,
      regionCode: unit.regionCode,
      subject: { module: SUBJECT_MODULE, id },
      data: { documentId: id },
      unit: { id: unit.id, name: unit.name },
      ...(a.userId ? { assignee: { userId: a.userId, name: a.name } } : {}),
    });
    await tctx.db.execute(sql`UPDATE documents.documents SET case_id = ${c.id} WHERE id = ${id}`);
    audit(tctx, { action: 'documents.document.draft', targetType: 'documents.document', targetId: id, targetLabel: d.title, details: { unitId: unit.id, caseId: c.id, recipients: d.recipients.length } });
    await publish(tctx, { type: EVENTS.drafted, orderingKey: id, payload: { documentId: id, unitId: unit.id, caseId: c.id } });
    return { id };
  });
}

/** May the actor edit the draft now: drafting state, their unit, and the case is theirs (or in the pool)? */
export async function editRefusal(ctx: Ctx, doc: DocumentRow): Promise<string | null> {
  const c = await outgoingCase(ctx, doc);
  if (!c) return '公文没有办理流程, 不能修改。';
  if (c.status === 'withdrawn') return '公文已撤回, 不能再修改。';
  if (c.state !== 'drafting' || c.status !== 'open') return `公文已进入「${c.stateLabel}」环节, 不能再修改。`;
  if (isSystem(ctx.actor)) return null;
  if (!atSendingUnit(ctx.actor, doc, SCOPES.outgoingDraft)) return '您没有修改本单位发文的权限。';
  if (c.assignee && c.assignee.userId !== ctx.actor.userId) return `该稿件由${c.assignee.name}拟稿, 您不能修改。`;
  return null;
}

export async function updateDraft(ctx: Ctx, input: DraftInput & { id: string; expectedVersion?: number }): Promise<{ id: string }> {
  const existing = await loadDocument(ctx, input.id);
  if (!existing || !(await canSeeDocument(ctx, existing))) throw notFound('document_not_found', '公文不存在或您无权查看。');
  const unit = await getUnitSummary(ctx, existing.sending_unit_id);
  if (!unit) throw notFound('unit_not_found', '发文机关不存在。');
  const d = await checkDraft(ctx, input, unit);
  return inTransaction(ctx, async (tctx) => {
    const doc = (await loadDocument(tctx, input.id, { forUpdate: true }))!;
    if (input.expectedVersion !== undefined && Number(doc.version) !== input.expectedVersion) throw conflict('document_changed', '公文已被他人修改, 请刷新后重试。');
    const refusal = await editRefusal(tctx, doc);
    if (refusal) throw new AppError({ code: 'document_not_editable', status: 409, message: refusal });
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`UPDATE documents.documents SET copy_number = ${d.copyNumber}, urgency = ${d.urgency}, issuer_mark = ${d.issuerMark},
        number_prefix = ${d.numberPrefix}, upward = ${d.upward}, title = ${d.title}, body = ${d.body}, attachment_note = ${d.attachmentNote},
        issuer_signature = ${d.issuerSignature}, note = ${d.note}, printing_unit = ${d.printingUnit}, updated_at = ${now}, version = version + 1
      WHERE id = ${doc.id}`);
    await writeRecipients(tctx, doc.id, d.recipients);
    audit(tctx, { action: 'documents.document.update', targetType: 'documents.document', targetId: doc.id, targetLabel: d.title, details: { version: Number(doc.version) + 1 } });
    await publish(tctx, { type: EVENTS.updated, orderingKey: doc.id, payload: { documentId: doc.id } });
    return { id: doc.id };
  });
}

// ---- steps ------------------------------------------------------------------------------------

export interface StepInput {
  documentId: string;
  comment?: string;
  /** The case version the user saw (409 case_changed when someone else acted meanwhile). */
  expectedVersion?: number;
}

interface StepSpec {
  state: OutgoingState;
  transition: string;
  label: string;
  /** Scope the actor must hold at the sending unit (checked before the step's own work; the engine checks the case too). */
  scope: string;
  audit: string;
  event: string;
  /** The document's own work, in the step's transaction, after the document row is locked. */
  work?: (ctx: Ctx, doc: DocumentRow) => Promise<Record<string, unknown>>;
}

async function step(ctx: Ctx, input: StepInput, spec: StepSpec): Promise<{ id: string }> {
  return inTransaction(ctx, async (tctx) => {
    const doc = await loadDocument(tctx, input.documentId, { forUpdate: true });
    if (!doc || !(await canSeeDocument(tctx, doc))) throw notFound('document_not_found', '公文不存在或您无权查看。');
    const c = await outgoingCase(tctx, doc);
    if (!c) throw conflict('document_no_case', '公文没有办理流程。');
    if (c.status !== 'open' || c.state !== spec.state) {
      throw conflict('document_state', `公文当前处于「${c.status === 'open' ? c.stateLabel : c.statusLabel}」, 不能${spec.label}。`);
    }
    if (!isSystem(tctx.actor) && !atSendingUnit(tctx.actor, doc, spec.scope)) throw forbidden(`您没有${spec.label}的权限。`);
    if (input.expectedVersion !== undefined && c.version !== input.expectedVersion) throw conflict('case_changed', '案件已被他人处理, 请刷新');
    const details = spec.work ? await spec.work(tctx, doc) : {};
    await takeTransition(tctx, { caseId: c.id, transition: spec.transition, comment: input.comment, expectedVersion: input.expectedVersion });
    audit(tctx, { action: spec.audit, targetType: 'documents.document', targetId: doc.id, targetLabel: doc.title, details: { caseId: c.id, ...details } });
    await publish(tctx, { type: spec.event, orderingKey: doc.id, payload: { documentId: doc.id, caseId: c.id, unitId: doc.sending_unit_id, title: doc.title, ...details } });
    return { id: doc.id };
  });
}

/** 送核稿. */
export const submitDocument = (ctx: Ctx, input: StepInput) =>
  step(ctx, input, { state: 'drafting', transition: 'submit', label: '送核稿', scope: SCOPES.outgoingDraft, audit: 'documents.document.submit', event: EVENTS.submitted });

/** 核稿通过. */
export const approveReview = (ctx: Ctx, input: StepInput) =>
  step(ctx, input, { state: 'reviewing', transition: 'approve', label: '核稿', scope: SCOPES.outgoingReview, audit: 'documents.document.review', event: EVENTS.reviewed });

/** 退回修改 (from 核稿 or 签发), back to the drafter; a comment is required. */
export async function returnDocument(ctx: Ctx, input: StepInput): Promise<{ id: string }> {
  const doc = await loadDocument(ctx, input.documentId);
  const c = doc ? await outgoingCase(ctx, doc) : null;
  const state: OutgoingState = c?.state === 'signing' ? 'signing' : 'reviewing';
  const scope = state === 'signing' ? SCOPES.outgoingSign : SCOPES.outgoingReview;
  return step(ctx, input, { state, transition: 'return_to_drafter', label: '退回修改', scope, audit: 'documents.document.return', event: EVENTS.returned });
}

/** 签发: the signer signs off; the document gets the next number of the unit's sequence for the prefix and year. */
export const signDocument = (ctx: Ctx, input: StepInput) =>
  step(ctx, input, {
    state: 'signing',
    transition: 'sign',
    label: '签发',
    scope: SCOPES.outgoingSign,
    audit: 'documents.document.sign',
    event: EVENTS.signed,
    async work(tctx, doc) {
      if (doc.doc_number) throw conflict('document_numbered', `公文已编号 (${doc.doc_number})。`);
      const now = tctx.clock.now();
      const year = chinaYear(now);
      const seq = await nextNumber(tctx, { unitId: doc.sending_unit_id, prefix: doc.number_prefix, year });
      const docNumber = formatDocNumber(doc.number_prefix, year, seq);
      await tctx.db.execute(sql`UPDATE documents.documents SET number_year = ${year}, number_seq = ${seq}, doc_number = ${docNumber},
          signer_name = ${tctx.actor.name}, signer_user_id = ${tctx.actor.userId}, signed_at = ${now.toISOString()}, written_date = ${chinaDay(now)},
          updated_at = ${now.toISOString()}, version = version + 1
        WHERE id = ${doc.id}`);
      return { docNumber, year, seq };
    },
  });

/**
 * 用印: signs SM3 of the canonical content with the unit's seal (made now if the unit has none),
 * records the signature, fingerprint and hash, and sets 印发日期 (part of the signed content).
 */
export const sealDocument = (ctx: Ctx, input: StepInput) =>
  step(ctx, input, {
    state: 'sealing',
    transition: 'seal',
    label: '用印',
    scope: SCOPES.sealManage,
    audit: 'documents.document.seal',
    event: EVENTS.sealed,
    async work(tctx, doc) {
      if (doc.verification_code) throw conflict('document_sealed', '公文已用印。');
      const now = tctx.clock.now();
      // The unit's seal, made at its first use; a seal made meanwhile by a concurrent first sealing is used instead.
      const seal = (await activeSeal(tctx, doc.sending_unit_id, { forUpdate: true }))
        ?? (await makeSeal(tctx, { unitId: doc.sending_unit_id, unitName: doc.sending_unit_name, isDemo: doc.is_demo }))
        ?? (await activeSeal(tctx, doc.sending_unit_id, { forUpdate: true }));
      if (!seal) throw conflict('seal_missing', '本单位没有有效的电子印章。');
      await tctx.db.execute(sql`UPDATE documents.documents SET printing_date = ${chinaDay(now)} WHERE id = ${doc.id}`);
      const fresh = (await loadDocument(tctx, doc.id))!;
      const hash = contentHash(await currentContent(tctx, fresh));
      const signature = await signWithSeal(tctx, seal, hash);
      const code = verificationCodeOf(signature);
      await tctx.db.execute(sql`INSERT INTO documents.sealings (document_id, seal_id, content_hash, signature, key_fingerprint, canonical_format, sealed_at, sealed_by_user_id, sealed_by_name)
        VALUES (${doc.id}, ${seal.id}, ${hash}, ${signature}, ${seal.fingerprint}, ${CANONICAL_FORMAT}, ${now.toISOString()}, ${tctx.actor.userId}, ${tctx.actor.name})`);
      await tctx.db.execute(sql`UPDATE documents.documents SET verification_code = ${code}, updated_at = ${now.toISOString()}, version = version + 1 WHERE id = ${doc.id}`);
      return { sealId: seal.id, fingerprint: seal.fingerprint, contentHash: hash, verificationCode: code };
    },
  });

/**
 * 分发: re-verifies the seal (a document changed since sealing is not sent), then creates, in the
 * same transaction, one incoming record and one documents.incoming case per 主送 / 抄送 unit.
 */
export const distributeDocument = (ctx: Ctx, input: StepInput) =>
  step(ctx, input, {
    state: 'distributing',
    transition: 'distribute',
    label: '分发',
    scope: SCOPES.sealManage,
    audit: 'documents.document.distribute',
    event: EVENTS.distributed,
    async work(tctx, doc) {
      if (doc.distributed_at) throw conflict('document_distributed', '公文已分发。');
      const check = await checkStoredSeal(tctx, doc);
      if (!check.valid) throw new AppError({ code: 'seal_invalid', status: 409, message: `电子印章验证未通过, 不能分发: ${check.message}` });
      const now = tctx.clock.now().toISOString();
      const system: Ctx = { ...tctx, actor: systemActor };
      const recipients = await loadRecipients(tctx, doc.id);
      const delivered: { unitId: string; unitName: string; incomingId: string; caseId: string; kind: RecipientKind }[] = [];
      for (const r of recipients) {
        const unit = await getUnitSummary(tctx, r.unit_id);
        if (!unit || unit.status !== 'active') throw conflict('recipient_inactive', `收文单位「${r.unit_name}」已停用, 请退回修改收文单位后再分发。`);
        const incomingId = newId();
        const title = `${doc.doc_number ?? ''} ${doc.title}`.trim().slice(0, 200);
        // Started by the system: the sender does not take part in (or see) the recipient's internal handling.
        const c = await startCase(system, {
          definitionKey: INCOMING_FLOW,
          title,
          regionCode: unit.regionCode,
          subject: { module: SUBJECT_MODULE, id: incomingId },
          data: { documentId: doc.id, incomingId, recipientUnitId: unit.id, recipientUnitName: r.unit_name, urgency: doc.urgency },
          unit: { id: unit.id, name: r.unit_name },
          comment: `${doc.sending_unit_name}发来${r.kind === 'main' ? '' : '(抄送)'}`,
        });
        await tctx.db.execute(sql`INSERT INTO documents.incoming (id, document_id, recipient_unit_id, recipient_unit_name, recipient_kind, region_code, case_id, created_at)
          VALUES (${incomingId}, ${doc.id}, ${unit.id}, ${r.unit_name}, ${r.kind}, ${unit.regionCode}, ${c.id}, ${now})`);
        delivered.push({ unitId: unit.id, unitName: r.unit_name, incomingId, caseId: c.id, kind: r.kind });
      }
      await tctx.db.execute(sql`UPDATE documents.documents SET distributed_at = ${now}, updated_at = ${now}, version = version + 1 WHERE id = ${doc.id}`);
      return { docNumber: doc.doc_number, sender: doc.sending_unit_name, recipients: delivered };
    },
  });

