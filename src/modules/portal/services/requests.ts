/**
 * Disclosure on request (依申请公开). A citizen or organisation applies online (signed in: the
 * regulation requires the applicant's identity and contact details, so anonymous applications are
 * refused); the case runs on the workflow engine; the statutory clock is this module's:
 *
 * - received = the moment the online application is submitted and the receipt issued (both sides
 *   confirm, 条例第三十一条);
 * - correction notice (补正告知) within 7 working days of receipt, once; the reply clock restarts
 *   when the correction arrives (第三十条);
 * - reply within 20 working days, + up to 20 with the head's approval (第三十三条);
 * - time consulting a third party or another agency does not count (第三十二、三十三条): the
 *   third party has 15 working days.
 *
 * Working days come from the calendar of the agency's region (deadlineWithPauses).
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import { deadlineWithPauses, loadCalendar, type WorkingCalendar } from '../../../platform/calendar/index.ts';
import { returnForCorrection, resumeCase, startCase, submitCorrection, suspendCase, takeTransition, withdrawCase } from '../../../platform/workflow/index.ts';
import { maskIdNumber } from '../../../platform/identifiers/index.ts';
import { getUnitSummary } from '../../directory/index.ts';
import {
  APPLICANT_TYPE_LABELS,
  DELIVERY_LABELS,
  EVENTS,
  OUTCOME_LABELS,
  OUTCOME_REASONS,
  REQUEST_DAYS,
  REQUEST_FLOW,
  REQUEST_STATUS_LABELS,
  SCOPES,
  SUBJECT_MODULE,
  chinaDay,
  iso,
  isoOrNull,
  type ApplicantType,
  type Delivery,
  type Outcome,
  type RequestStatus,
} from '../model.ts';
import { requireSite } from './sites.ts';

interface RequestRow {
  id: string;
  receipt_no: string;
  site_code: string;
  unit_id: string;
  unit_name: string;
  region_code: string;
  applicant_user_id: string;
  applicant_type: ApplicantType;
  applicant_name: string;
  applicant_id_masked: string | null;
  contact_phone: string;
  contact_address: string | null;
  description: string;
  purpose: string | null;
  delivery: Delivery;
  received_at: Date | string;
  clock_start_at: Date | string;
  correction_due_at: Date | string;
  correction_requested_at: Date | string | null;
  correction_late: boolean;
  corrected_at: Date | string | null;
  extended: boolean;
  extension_approved_by: string | null;
  extension_reason: string | null;
  extended_at: Date | string | null;
  pauses: PauseRecord[];
  reply_due_at: Date | string | null;
  status: RequestStatus;
  outcome: Outcome | null;
  outcome_reason: string | null;
  reply_text: string | null;
  replied_at: Date | string | null;
  replied_on_time: boolean | null;
  fee_method: 'per_application' | 'per_page' | null;
  fee_amount: number;
  case_id: string | null;
  is_demo: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface PauseRecord {
  from: string;
  to: string | null;
  party: string;
  /** The third party's 15 working days end here. */
  dueAt: string;
}

export interface RequestView {
  id: string;
  receiptNo: string;
  siteCode: string;
  unitId: string;
  unitName: string;
  regionCode: string;
  applicantUserId: string;
  applicantType: ApplicantType;
  applicantTypeLabel: string;
  applicantName: string;
  applicantIdMasked: string | null;
  contactPhone: string;
  contactAddress: string | null;
  description: string;
  purpose: string | null;
  delivery: Delivery;
  deliveryLabel: string;
  receivedAt: string;
  clockStartAt: string;
  correctionDueAt: string;
  correctionRequestedAt: string | null;
  correctionLate: boolean;
  correctedAt: string | null;
  extended: boolean;
  extensionApprovedBy: string | null;
  extensionReason: string | null;
  pauses: PauseRecord[];
  replyDueAt: string | null;
  status: RequestStatus;
  statusLabel: string;
  outcome: Outcome | null;
  outcomeLabel: string | null;
  outcomeReason: string | null;
  outcomeReasonLabel: string | null;
  replyText: string | null;
  repliedAt: string | null;
  repliedOnTime: boolean | null;
  feeMethod: 'per_application' | 'per_page' | null;
  feeAmount: number;
  caseId: string | null;
  isDemo: boolean;
}

function view(r: RequestRow): RequestView {
  const reason = r.outcome ? OUTCOME_REASONS[r.outcome].find((x) => x.code === r.outcome_reason) : undefined;
  return {
    id: r.id,
    receiptNo: r.receipt_no,
    siteCode: r.site_code,
    unitId: r.unit_id,
    unitName: r.unit_name,
    regionCode: r.region_code,
    applicantUserId: r.applicant_user_id,
    applicantType: r.applicant_type,
    applicantTypeLabel: APPLICANT_TYPE_LABELS[r.applicant_type],
    applicantName: r.applicant_name,
    applicantIdMasked: r.applicant_id_masked,
    contactPhone: r.contact_phone,
    contactAddress: r.contact_address,
    description: r.description,
    purpose: r.purpose,
    delivery: r.delivery,
    deliveryLabel: DELIVERY_LABELS[r.delivery],
    receivedAt: iso(r.received_at),
    clockStartAt: iso(r.clock_start_at),
    correctionDueAt: iso(r.correction_due_at),
    correctionRequestedAt: isoOrNull(r.correction_requested_at),
    correctionLate: r.correction_late,
    correctedAt: isoOrNull(r.corrected_at),
    extended: r.extended,
    extensionApprovedBy: r.extension_approved_by,
    extensionReason: r.extension_reason,
    pauses: r.pauses ?? [],
    replyDueAt: isoOrNull(r.reply_due_at),
    status: r.status,
    statusLabel: REQUEST_STATUS_LABELS[r.status],
    outcome: r.outcome,
    outcomeLabel: r.outcome ? OUTCOME_LABELS[r.outcome] : null,
    outcomeReason: r.outcome_reason,
    outcomeReasonLabel: reason?.label ?? null,
    replyText: r.reply_text,
    repliedAt: isoOrNull(r.replied_at),
    repliedOnTime: r.replied_on_time,
    feeMethod: r.fee_method,
    feeAmount: Number(r.fee_amount),
    caseId: r.case_id,
    isDemo: r.is_demo,
  };
}

// ---- the clock (pure) --------------------------------------------------------------------------

/**
 * The reply deadline: 20 (+20 when extended) working days from `clockStart`, consultation pauses
 * excluded; null while a consultation is open.
 */
export function replyDeadline(cal: WorkingCalendar, input: { clockStart: Date; extended: boolean; pauses: { from: Date; to: Date | null }[]; now: Date }): Date | null {
  const days = REQUEST_DAYS.reply + (input.extended ? REQUEST_DAYS.extension : 0);
  return deadlineWithPauses(cal, { start: input.clockStart, budget: { days }, pauses: input.pauses.filter((p) => p.from >= input.clockStart), now: input.now }).deadline;
}

/**
 * Information-processing fee (国办函〔2020〕109号), one method per application.
 * Per application: the applicant's N-th application to this agency this calendar month —
 * 1–10 free, 11–30 ¥100 each, from the 31st ¥100 more for each further band of 10.
 * Per page (progressive): 1–30 free, 31–100 ¥10, 101–200 ¥20, above 200 ¥40 per page.
 */
export function processingFee(input: { method: 'per_application'; nthThisMonth: number } | { method: 'per_page'; pages: number }): number {
  if (input.method === 'per_application') {
    const n = Math.floor(input.nthThisMonth);
    if (n <= 10) return 0;
    if (n <= 30) return 100;
    return 100 + 100 * Math.ceil((n - 30) / 10);
  }
  const p = Math.max(0, Math.floor(input.pages));
  const band = (from: number, to: number, price: number) => Math.max(0, Math.min(p, to) - from) * price;
  return band(30, 100, 10) + band(100, 200, 20) + band(200, Infinity, 40);
}

const pausesOf = (r: RequestRow) => (r.pauses ?? []).map((p) => ({ from: new Date(p.from), to: p.to ? new Date(p.to) : null }));

async function recomputeDue(ctx: Ctx, id: string): Promise<void> {
  const r = (await queryOne<RequestRow>(ctx.db, sql`SELECT * FROM portal.info_requests WHERE id = ${id}`))!;
  const cal = await loadCalendar(ctx, { regionCode: r.region_code });
  const due = r.status === 'correction' ? null : replyDeadline(cal, { clockStart: new Date(r.clock_start_at), extended: r.extended, pauses: pausesOf(r), now: ctx.clock.now() });
  await ctx.db.execute(sql`UPDATE portal.info_requests SET reply_due_at = ${due ? due.toISOString() : null}, updated_at = ${ctx.clock.now().toISOString()} WHERE id = ${id}`);
}

// ---- applying ----------------------------------------------------------------------------------

export interface ApplyInput {
  siteCode: string;
  /** The agency asked (default: the site's sponsor unit). */
  unitId?: string;
  applicantType: ApplicantType;
  applicantName: string;
  idNumber?: string;
  contactPhone: string;
  contactAddress?: string;
  description: string;
  purpose?: string;
  delivery: Delivery;
  isDemo?: boolean;
}

export async function applyForInformation(ctx: Ctx, input: ApplyInput): Promise<RequestView> {
  const a = ctx.actor;
  if (!a.userId || (a.kind !== 'citizen' && a.kind !== 'enterprise' && a.kind !== 'system')) throw forbidden('请以个人或法人账号登录后提交申请 (依申请公开须载明申请人身份和联系方式)。', 'login_required');
  const site = await requireSite(ctx, input.siteCode);
  const unit = await getUnitSummary(ctx, input.unitId ?? site.sponsorUnitId ?? '');
  if (!unit || unit.status !== 'active') throw badRequest('validation_failed', '受理机关不存在', [{ field: 'unitId', message: '请选择受理机关' }]);
  const problems: { field: string; message: string }[] = [];
  if (!(input.applicantType in APPLICANT_TYPE_LABELS)) problems.push({ field: 'applicantType', message: '请选择申请人类型' });
  if (!input.applicantName?.trim() || input.applicantName.length > 100) problems.push({ field: 'applicantName', message: '请填写申请人姓名或名称' });
  if (!/^1\d{10}$|^0\d{2,3}-?\d{7,8}$/.test(input.contactPhone ?? '')) problems.push({ field: 'contactPhone', message: '联系电话应为 11 位手机号码或带区号的固定电话' });
  if (!input.description?.trim() || input.description.length > 5000) problems.push({ field: 'description', message: '请描述所需政府信息 (名称、文号或其他特征), 不超过 5000 字' });
  if (!(input.delivery in DELIVERY_LABELS)) problems.push({ field: 'delivery', message: '请选择获取信息的方式' });
  if (problems.length) throw new AppError({ code: 'validation_failed', status: 400, message: problems.map((p) => p.message).join('; '), fields: problems });
  return inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now();
    const nowIso = now.toISOString();
    const cal = await loadCalendar(tctx, { regionCode: unit.regionCode });
    const id = newId();
    const year = chinaDay(now).slice(0, 4);
    const seq = Number((await queryOne<{ n: string }>(tctx.db, sql`SELECT count(*) AS n FROM portal.info_requests WHERE site_code = ${site.code}`))?.n ?? 0) + 1;
    const receiptNo = `YSQ-${site.code}-${year}-${String(seq).padStart(6, '0')}-${id.slice(-4)}`;
    const correctionDue = cal.addWorkingDays(now, REQUEST_DAYS.correctionNotice);
    const replyDue = replyDeadline(cal, { clockStart: now, extended: false, pauses: [], now });
    await tctx.db.execute(sql`INSERT INTO portal.info_requests (id, receipt_no, site_code, unit_id, unit_name, region_code, applicant_user_id, applicant_type, applicant_name,
        applicant_id_masked, contact_phone, contact_address, description, purpose, delivery, received_at, clock_start_at, correction_due_at, reply_due_at, status,
        is_demo, created_at, updated_at)
      VALUES (${id}, ${receiptNo}, ${site.code}, ${unit.id}, ${unit.name}, ${unit.regionCode}, ${a.userId}, ${input.applicantType}, ${input.applicantName.trim()},
        ${input.idNumber ? maskIdNumber(input.idNumber) : null}, ${input.contactPhone}, ${input.contactAddress?.trim() || null}, ${input.description.trim()},
        ${input.purpose?.trim() || null}, ${input.delivery}, ${nowIso}, ${nowIso}, ${correctionDue.toISOString()}, ${replyDue ? replyDue.toISOString() : null}, 'handling',
        ${input.isDemo ?? false}, ${nowIso}, ${nowIso})`);
    const c = await startCase(tctx, {
      definitionKey: REQUEST_FLOW,
      title: `依申请公开: ${input.description.trim().slice(0, 60)}`,
      regionCode: unit.regionCode,
      subject: { module: SUBJECT_MODULE, id },
      data: { requestId: id, receiptNo },
      unit: { id: unit.id, name: unit.name },
    });
    await tctx.db.execute(sql`UPDATE portal.info_requests SET case_id = ${c.id} WHERE id = ${id}`);
    audit(tctx, { action: 'portal.request.apply', targetType: 'portal.info_request', targetId: id, targetLabel: receiptNo, details: { unitId: unit.id, applicantType: input.applicantType } });
    await publish(tctx, { type: EVENTS.requestReceived, orderingKey: id, payload: { requestId: id, receiptNo, unitId: unit.id, regionCode: unit.regionCode } });
    return view((await queryOne<RequestRow>(tctx.db, sql`SELECT * FROM portal.info_requests WHERE id = ${id}`))!);
  });
}

// ---- reading -----------------------------------------------------------------------------------

const isHandler = (ctx: Ctx, r: Pick<RequestRow, 'unit_id'>, scope: string = SCOPES.disclosureHandle) =>
  ctx.actor.kind === 'system' || ctx.actor.grants.some((g) => g.unitId === r.unit_id && (g.scopes.has(scope) || g.scopes.has('*')));

async function load(ctx: Ctx, id: string, lock = false): Promise<RequestRow | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  return (await queryOne<RequestRow>(ctx.db, lock ? sql`SELECT * FROM portal.info_requests WHERE id = ${id} FOR UPDATE` : sql`SELECT * FROM portal.info_requests WHERE id = ${id}`)) ?? null;
}

/** The applicant sees their own; the agency's handlers theirs; others get 404. */
export async function getRequest(ctx: Ctx, input: { id: string }): Promise<RequestView> {
  const r = await load(ctx, input.id);
  if (!r || !(r.applicant_user_id === ctx.actor.userId || isHandler(ctx, r) || isHandler(ctx, r, SCOPES.disclosureApprove))) throw notFound('request_not_found', '申请不存在或您无权查看。');
  return view(r);
}

export async function listMyRequests(ctx: Ctx): Promise<RequestView[]> {
  if (!ctx.actor.userId) return [];
  return (await queryRows<RequestRow>(ctx.db, sql`SELECT * FROM portal.info_requests WHERE applicant_user_id = ${ctx.actor.userId} ORDER BY received_at DESC LIMIT 200`)).map(view);
}

/** Requests to the units where the actor handles disclosure. */
export async function listRequestsForStaff(ctx: Ctx, input: { status?: RequestStatus } = {}): Promise<RequestView[]> {
  const units = [...new Set(ctx.actor.grants.filter((g) => g.scopes.has(SCOPES.disclosureHandle) || g.scopes.has('*')).map((g) => g.unitId))];
  if (units.length === 0) return [];
  const all = ctx.actor.kind === 'system';
  const rows = await queryRows<RequestRow>(ctx.db, sql`SELECT * FROM portal.info_requests WHERE (${all} OR unit_id IN (${sql.join(units.map((u) => sql`${u}`), sql`, `)}))
    AND (${input.status ?? null}::text IS NULL OR status = ${input.status ?? null}) ORDER BY (status IN ('replied', 'withdrawn')), reply_due_at NULLS LAST, received_at LIMIT 500`);
  return rows.map(view);
}

// ---- handling ----------------------------------------------------------------------------------

async function step(ctx: Ctx, id: string, scope: string, fn: (r: RequestRow, tctx: Ctx) => Promise<string>): Promise<RequestView> {
  return inTransaction(ctx, async (tctx) => {
    const r = await load(tctx, id, true);
    if (!r || !(isHandler(tctx, r) || isHandler(tctx, r, scope))) throw notFound('request_not_found', '申请不存在或您无权查看。');
    if (!isHandler(tctx, r, scope)) throw forbidden('您没有办理此步骤的权限。');
    const action = await fn(r, tctx);
    await recomputeDue(tctx, r.id);
    const after = (await load(tctx, r.id))!;
    audit(tctx, { action: `portal.request.${action}`, targetType: 'portal.info_request', targetId: r.id, targetLabel: r.receipt_no, details: { status: after.status, replyDueAt: isoOrNull(after.reply_due_at) } });
    await publish(tctx, { type: EVENTS.requestStep, orderingKey: r.id, payload: { requestId: r.id, action, status: after.status } });
    return view(after);
  });
}

/** 补正告知: once, telling what to correct; the reply clock stops and restarts on the correction. */
export async function requestCorrection(ctx: Ctx, input: { id: string; what: string }): Promise<RequestView> {
  const what = (input.what ?? '').trim();
  if (!what) throw badRequest('validation_failed', '请写明需要补正的内容', [{ field: 'what', message: '请写明需要补正的内容' }]);
  return step(ctx, input.id, SCOPES.disclosureHandle, async (r, tctx) => {
    if (r.status !== 'handling') throw conflict('request_not_handling', `申请当前为「${REQUEST_STATUS_LABELS[r.status]}」, 不能告知补正。`);
    if (r.correction_requested_at) throw conflict('correction_once', '补正只能一次性告知, 本申请已告知过补正。');
    const now = tctx.clock.now();
    await returnForCorrection(tctx, { caseId: r.case_id!, comment: what });
    const late = now.getTime() > new Date(r.correction_due_at).getTime();
    await tctx.db.execute(sql`UPDATE portal.info_requests SET status = 'correction', correction_requested_at = ${now.toISOString()}, correction_late = ${late} WHERE id = ${r.id}`);
    return 'correction_requested';
  });
}

/** The correction arrived (from the applicant online): the reply clock starts again from now. */
export async function submitRequestCorrection(ctx: Ctx, input: { id: string; description: string }): Promise<RequestView> {
  const description = (input.description ?? '').trim();
  if (!description || description.length > 5000) throw badRequest('validation_failed', '请填写补正后的申请内容', [{ field: 'description', message: '请填写补正后的申请内容' }]);
  return inTransaction(ctx, async (tctx) => {
    const r = await load(tctx, input.id, true);
    if (!r || r.applicant_user_id !== tctx.actor.userId) throw notFound('request_not_found', '申请不存在或您无权查看。');
    if (r.status !== 'correction') throw conflict('request_not_in_correction', '本申请不需要补正。');
    const now = tctx.clock.now().toISOString();
    await submitCorrection(tctx, { caseId: r.case_id!, comment: '申请人已补正' });
    await tctx.db.execute(sql`UPDATE portal.info_requests SET status = 'handling', description = ${description}, corrected_at = ${now}, clock_start_at = ${now}, pauses = '[]'::jsonb
      WHERE id = ${r.id}`);
    await recomputeDue(tctx, r.id);
    audit(tctx, { action: 'portal.request.corrected', targetType: 'portal.info_request', targetId: r.id, targetLabel: r.receipt_no });
    await publish(tctx, { type: EVENTS.requestStep, orderingKey: r.id, payload: { requestId: r.id, action: 'corrected', status: 'handling' } });
    return view((await load(tctx, r.id))!);
  });
}

/** 征求第三方 (或其他机关) 意见: the reply clock stops; the party has 15 working days. */
export async function startConsultation(ctx: Ctx, input: { id: string; party: string }): Promise<RequestView> {
  const party = (input.party ?? '').trim();
  if (!party) throw badRequest('validation_failed', '请填写征求意见的第三方或机关', [{ field: 'party', message: '请填写征求意见的第三方或机关' }]);
  return step(ctx, input.id, SCOPES.disclosureHandle, async (r, tctx) => {
    if (r.status !== 'handling') throw conflict('request_not_handling', `申请当前为「${REQUEST_STATUS_LABELS[r.status]}」, 不能征求意见。`);
    const now = tctx.clock.now();
    const cal = await loadCalendar(tctx, { regionCode: r.region_code });
    const dueAt = cal.addWorkingDays(now, REQUEST_DAYS.consultation).toISOString();
    await suspendCase(tctx, { caseId: r.case_id!, reason: 'consultation', comment: `征求「${party}」意见, 期限 ${REQUEST_DAYS.consultation} 个工作日` });
    const pauses = [...(r.pauses ?? []), { from: now.toISOString(), to: null, party, dueAt }];
    await tctx.db.execute(sql`UPDATE portal.info_requests SET status = 'consulting', pauses = ${JSON.stringify(pauses)}::jsonb WHERE id = ${r.id}`);
    return 'consultation_started';
  });
}

export async function endConsultation(ctx: Ctx, input: { id: string; result?: string }): Promise<RequestView> {
  return step(ctx, input.id, SCOPES.disclosureHandle, async (r, tctx) => {
    if (r.status !== 'consulting') throw conflict('request_not_consulting', '本申请没有正在进行的征求意见。');
    const now = tctx.clock.now().toISOString();
    await resumeCase(tctx, { caseId: r.case_id!, comment: input.result?.trim() || '征求意见结束' });
    const pauses = (r.pauses ?? []).map((p) => (p.to === null ? { ...p, to: now } : p));
    await tctx.db.execute(sql`UPDATE portal.info_requests SET status = 'handling', pauses = ${JSON.stringify(pauses)}::jsonb WHERE id = ${r.id}`);
    return 'consultation_ended';
  });
}

/** 延期答复: up to 20 more working days with the head's approval, the applicant told; before the deadline only. */
export async function extendRequest(ctx: Ctx, input: { id: string; reason: string }): Promise<RequestView> {
  const reason = (input.reason ?? '').trim();
  if (!reason) throw badRequest('validation_failed', '请填写延期理由', [{ field: 'reason', message: '请填写延期理由 (将告知申请人)' }]);
  return step(ctx, input.id, SCOPES.disclosureApprove, async (r, tctx) => {
    if (r.status !== 'handling' && r.status !== 'consulting') throw conflict('request_not_open', `申请当前为「${REQUEST_STATUS_LABELS[r.status]}」, 不能延期。`);
    if (r.extended) throw conflict('already_extended', '本申请已延期一次 (最长 20 个工作日)。');
    const now = tctx.clock.now();
    if (r.reply_due_at && now.getTime() > new Date(r.reply_due_at).getTime()) throw conflict('deadline_passed', '答复期限已过, 不能再延期。');
    await tctx.db.execute(sql`UPDATE portal.info_requests SET extended = true, extension_approved_by = ${tctx.actor.name}, extension_reason = ${reason}, extended_at = ${now.toISOString()} WHERE id = ${r.id}`);
    return 'extended';
  });
}

export interface ReplyInput {
  id: string;
  outcome: Outcome;
  reason?: string;
  text: string;
  feeMethod?: 'per_application' | 'per_page' | null;
  pages?: number;
}

/** 答复: statutory outcome (and sub-reason where the category has them), reply text, fee. */
export async function replyToRequest(ctx: Ctx, input: ReplyInput): Promise<RequestView> {
  const problems: { field: string; message: string }[] = [];
  if (!(input.outcome in OUTCOME_LABELS)) problems.push({ field: 'outcome', message: '请选择答复类型' });
  else {
    const reasons = OUTCOME_REASONS[input.outcome];
    if (reasons.length && !reasons.some((x) => x.code === input.reason)) problems.push({ field: 'reason', message: `「${OUTCOME_LABELS[input.outcome]}」须选择具体理由` });
    if (!reasons.length && input.reason) problems.push({ field: 'reason', message: `「${OUTCOME_LABELS[input.outcome]}」没有细项` });
  }
  if (!input.text?.trim() || input.text.length > 20_000) problems.push({ field: 'text', message: '请填写答复内容' });
  if (input.feeMethod === 'per_page' && !(Number.isInteger(input.pages) && (input.pages ?? -1) >= 0)) problems.push({ field: 'pages', message: '按量收费须填写页数' });
  if (problems.length) throw new AppError({ code: 'validation_failed', status: 400, message: problems.map((p) => p.message).join('; '), fields: problems });
  return inTransaction(ctx, async (tctx) => {
    const r = await load(tctx, input.id, true);
    if (!r || !isHandler(tctx, r)) throw notFound('request_not_found', '申请不存在或您无权查看。');
    if (r.status === 'replied' || r.status === 'withdrawn') throw conflict('request_closed', '申请已办结。');
    if (r.status === 'consulting') throw conflict('request_consulting', '正在征求意见, 请先结束征求意见再答复。');
    const now = tctx.clock.now();
    if (r.status === 'correction') {
      // 逾期不补正 and similar: the handler closes the correction on the applicant's behalf first.
      if (!(input.outcome === 'other' && input.reason === 'no_correction')) throw conflict('request_in_correction', '申请正在等待补正; 逾期不补正的, 请选择「其他处理 — 逾期不补正」。');
      await submitCorrection(tctx, { caseId: r.case_id!, comment: '申请人逾期未补正' });
    }
    let fee = 0;
    if (input.feeMethod === 'per_application') {
      const month = chinaDay(r.received_at).slice(0, 7);
      const nth = Number((await queryOne<{ n: string }>(tctx.db, sql`SELECT count(*) AS n FROM portal.info_requests WHERE applicant_user_id = ${r.applicant_user_id}
        AND unit_id = ${r.unit_id} AND received_at <= ${iso(r.received_at)} AND to_char(received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') = ${month}`))?.n ?? 1);
      fee = processingFee({ method: 'per_application', nthThisMonth: nth });
    } else if (input.feeMethod === 'per_page') {
      fee = processingFee({ method: 'per_page', pages: input.pages ?? 0 });
    }
    const due = r.reply_due_at ? new Date(r.reply_due_at) : null;
    const onTime = due ? now.getTime() <= due.getTime() : true;
    await tctx.db.execute(sql`UPDATE portal.info_requests SET status = 'replied', outcome = ${input.outcome}, outcome_reason = ${input.reason || null}, reply_text = ${input.text.trim()},
      replied_at = ${now.toISOString()}, replied_on_time = ${onTime}, fee_method = ${input.feeMethod ?? null}, fee_amount = ${fee}, updated_at = ${now.toISOString()} WHERE id = ${r.id}`);
    await takeTransition(tctx, { caseId: r.case_id!, transition: 'reply', comment: `${OUTCOME_LABELS[input.outcome]}` });
    audit(tctx, { action: 'portal.request.reply', targetType: 'portal.info_request', targetId: r.id, targetLabel: r.receipt_no, details: { outcome: input.outcome, reason: input.reason ?? null, onTime, fee } });
    await publish(tctx, { type: EVENTS.requestReplied, orderingKey: r.id, payload: { requestId: r.id, outcome: input.outcome, reason: input.reason ?? null, onTime } });
    return view((await load(tctx, r.id))!);
  });
}

/** The applicant withdraws the application (counted as 其他处理 in the annual report). */
export async function withdrawRequest(ctx: Ctx, input: { id: string }): Promise<RequestView> {
  return inTransaction(ctx, async (tctx) => {
    const r = await load(tctx, input.id, true);
    if (!r || r.applicant_user_id !== tctx.actor.userId) throw notFound('request_not_found', '申请不存在或您无权查看。');
    if (r.status === 'replied' || r.status === 'withdrawn') throw conflict('request_closed', '申请已办结, 不能撤回。');
    await withdrawCase(tctx, { caseId: r.case_id!, comment: '申请人撤回申请' });
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`UPDATE portal.info_requests SET status = 'withdrawn', replied_at = ${now}, reply_due_at = NULL, updated_at = ${now} WHERE id = ${r.id}`);
    audit(tctx, { action: 'portal.request.withdraw', targetType: 'portal.info_request', targetId: r.id, targetLabel: r.receipt_no });
    await publish(tctx, { type: EVENTS.requestStep, orderingKey: r.id, payload: { requestId: r.id, action: 'withdrawn', status: 'withdrawn' } });
    return view((await load(tctx, r.id))!);
  });
}
