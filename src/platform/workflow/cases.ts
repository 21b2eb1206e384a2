/**
 * Case operations: start, take a transition, claim, release, hand over, return for correction and
 * take the correction back, suspend and resume, withdraw. Each runs in one transaction that locks
 * the case row, checks the expected version (409 `case_changed` when stale), appends to the
 * history, moves the clock and its timers, writes the audit record and publishes
 * `workflow.case.<op>` (plus the notification requests) to the outbox.
 */
import type { Ctx, Grant } from '../context.ts';
import { hasScope, regionVisible } from '../context.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { queryOne, sql } from '../db/index.ts';
import type { SQL } from 'drizzle-orm';
import { inTransaction } from '../transaction.ts';
import { audit } from '../audit/chain.ts';
import { publish } from '../events/outbox.ts';
import type { CaseData, CaseSnapshot, FieldValue, RouteTarget, TransitionDef, WorkflowDefinition } from './definition.ts';
import { transitionByName } from './definition.ts';
import { definitionFor, eventRegistry, latestDefinition, recipientResolver } from './registry.ts';
import { canSee, isSystem, positionOf, workingGrant } from './access.ts';
import { checkAttachmentIds, checkComment, checkData, checkFields } from './fields.ts';
import { handlingWorkingDays, refreshClock } from './clock.ts';
import {
  PAUSE_REASON_LABELS,
  SUSPEND_REASONS,
  WORKFLOW_EVENTS,
  caseView,
  isOpen,
  type CaseRow,
  type CaseView,
  type HistoryAction,
  type PauseReason,
  type SuspendReason,
} from './model.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const caseLink = (id: string): string => `/workbench/cases/${id}`;

export function snapshotOf(row: CaseRow): CaseSnapshot<CaseData> {
  return {
    id: row.id,
    definitionKey: row.definition_key,
    definitionVersion: Number(row.definition_version),
    title: row.title,
    state: row.state,
    regionCode: row.region_code,
    subject: { module: row.subject_module, id: row.subject_id },
    data: row.data ?? {},
    startedBy: { userId: row.started_by_user_id, name: row.started_by_name },
    unit: row.candidate_unit_id ? { id: row.candidate_unit_id, name: row.candidate_unit_name ?? '' } : null,
    assignee: row.assignee_user_id ? { userId: row.assignee_user_id, name: row.assignee_name ?? '' } : null,
  };
}

// ---- shared steps -----------------------------------------------------------------------------

interface Locked {
  row: CaseRow;
  def: WorkflowDefinition;
}

/** Locks the case for this transaction, checks visibility and the expected version. */
async function lockCase(ctx: Ctx, caseId: string, expectedVersion: number | undefined): Promise<Locked> {
  if (!UUID.test(caseId)) throw notFound('case_not_found', '案件不存在或您无权查看。');
  const row = await queryOne<CaseRow>(ctx.db, sql`SELECT * FROM workflow.cases WHERE id = ${caseId} FOR UPDATE`);
  if (!row || !(await canSee(ctx, row))) throw notFound('case_not_found', '案件不存在或您无权查看。');
  if (expectedVersion !== undefined && Number(row.version) !== expectedVersion) throw conflict('case_changed', '案件已被他人处理, 请刷新');
  return { row, def: definitionFor(row.definition_key, Number(row.definition_version)) };
}

function requireOpenStatus(row: CaseRow, wanted: CaseRow['status'][]): void {
  if (wanted.includes(row.status)) return;
  const why: Record<CaseRow['status'], string> = {
    open: '案件正在办理中, 不能执行此操作。',
    correction: '案件正在等待申请人补正, 补正后才能继续办理。',
    suspended: '案件已中止计时, 请先恢复计时再办理。',
    closed: '案件已办结。',
    withdrawn: '案件已被发起人撤回。',
  };
  throw conflict('case_not_actionable', why[row.status]);
}

/** The actor's grant for handling the case (pool member or assignee) with `scope`; refuses otherwise. */
function requirePosition(ctx: Ctx, row: CaseRow, scope: string | null): Grant {
  const pos = positionOf(ctx.actor, row, scope);
  if ('grant' in pos) return pos.grant;
  if (pos.refusal === 'taken') throw forbidden(`该案件已由${pos.by}签收办理, 您不能处理。`, 'case_taken');
  throw forbidden('您没有在该单位办理此环节的权限。', 'workflow_not_permitted');
}

async function appendHistory(
  ctx: Ctx,
  caseId: string,
  e: {
    action: HistoryAction;
    transition?: string | null;
    from?: string | null;
    to?: string | null;
    grant?: Grant | null;
    comment?: string | null;
    fields?: Record<string, FieldValue>;
    attachmentIds?: string[];
    details?: Record<string, unknown>;
  },
): Promise<void> {
  const a = ctx.actor;
  const unit = e.grant ?? (isSystem(a) ? null : a.grants[0] ?? null);
  await ctx.db.execute(sql`INSERT INTO workflow.history (id, case_id, seq, at, action, transition, from_state, to_state, actor_kind, actor_user_id,
      actor_name, actor_unit_id, actor_unit_name, comment, fields, attachment_ids, details)
    VALUES (${newId()}, ${caseId}, (SELECT coalesce(max(seq), 0) + 1 FROM workflow.history WHERE case_id = ${caseId}), ${ctx.clock.now().toISOString()},
      ${e.action}, ${e.transition ?? null}, ${e.from ?? null}, ${e.to ?? null}, ${a.kind}, ${a.userId}, ${a.name},
      ${unit?.unitId || null}, ${unit?.unitName || null}, ${e.comment ?? null}, ${JSON.stringify(e.fields ?? {})}::jsonb,
      ${JSON.stringify(e.attachmentIds ?? [])}::jsonb, ${JSON.stringify(e.details ?? {})}::jsonb)`);
}

/** Applies column changes and bumps the optimistic version. */
async function updateCase(ctx: Ctx, caseId: string, sets: SQL[]): Promise<void> {
  const now = ctx.clock.now().toISOString();
  await ctx.db.execute(sql`UPDATE workflow.cases SET ${sql.join([...sets, sql`version = version + 1`, sql`updated_at = ${now}`], sql`, `)} WHERE id = ${caseId}`);
}

async function reload(ctx: Ctx, caseId: string): Promise<CaseRow> {
  return (await queryOne<CaseRow>(ctx.db, sql`SELECT * FROM workflow.cases WHERE id = ${caseId}`))!;
}

function eventPayload(row: CaseRow, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    caseId: row.id,
    definitionKey: row.definition_key,
    definitionVersion: Number(row.definition_version),
    title: row.title,
    subject: { module: row.subject_module, id: row.subject_id },
    regionCode: row.region_code,
    state: row.state,
    status: row.status,
    unitId: row.candidate_unit_id,
    requiredScope: row.required_scope,
    assigneeUserId: row.assignee_user_id,
    startedByUserId: row.started_by_user_id,
    startedByKind: row.started_by_kind,
    version: Number(row.version),
    ...extra,
  };
}

async function emit(ctx: Ctx, type: string, row: CaseRow, extra: Record<string, unknown> = {}): Promise<void> {
  await publish(ctx, eventRegistry(), { type, orderingKey: row.id, payload: eventPayload(row, extra) });
}

/** Asks the notifier (an outbox handler) to tell whoever now holds the case: its assignee, or its unit's pool. */
async function noticeAssigned(ctx: Ctx, row: CaseRow): Promise<void> {
  if (!isOpen(row.status) || !row.candidate_unit_id) return;
  if (row.assignee_user_id && row.assignee_user_id === ctx.actor.userId) return; // nobody needs telling they took it themselves
  await emit(ctx, WORKFLOW_EVENTS.assignedNotice, row, { link: caseLink(row.id) });
}

function auditCase(ctx: Ctx, op: string, row: CaseRow, details: Record<string, unknown> = {}): void {
  audit(ctx, { action: `workflow.case.${op}`, targetType: 'workflow.case', targetId: row.id, targetLabel: row.title, details: { state: row.state, ...details } });
}

// ---- start ------------------------------------------------------------------------------------

export interface StartCaseInput {
  definitionKey: string;
  /** Default: the newest registered version. */
  version?: number;
  title: string;
  /** GB/T 2260 region the case belongs to (visibility, calendar). */
  regionCode: string;
  subject: { module: string; id: string };
  data?: CaseData;
  /** The unit that receives the case; default: the definition's startRoute. */
  unit?: { id: string; name: string };
  /** Assign the first step to this person (e.g. the drafter keeps the draft). */
  assignee?: { userId: string; name: string };
  comment?: string;
  attachmentIds?: string[];
}

export async function startCase(ctx: Ctx, input: StartCaseInput): Promise<CaseView> {
  const def = input.version !== undefined ? definitionFor(input.definitionKey, input.version) : latestDefinition(input.definitionKey);
  if (!def) throw notFound('workflow_unknown', `流程「${input.definitionKey}」未注册。`);
  const title = (input.title ?? '').trim();
  const problems = [];
  if (!title || title.length > 200) problems.push({ field: 'title', message: '案件标题应为 1 至 200 个字符' });
  if (!/^\d{6}$/.test(input.regionCode ?? '')) problems.push({ field: 'regionCode', message: '行政区划代码应为 6 位数字' });
  if (!input.subject?.module || !input.subject?.id || input.subject.id.length > 200) problems.push({ field: 'subject', message: '缺少业务对象 (模块与标识)' });
  if (input.unit && !UUID.test(input.unit.id)) problems.push({ field: 'unit', message: '办理单位标识格式不正确' });
  if (problems.length) throw new AppError({ code: 'validation_failed', status: 400, message: problems.map((p) => p.message).join('; '), fields: problems });
  if (def.startScope && !isSystem(ctx.actor) && !(hasScope(ctx.actor, def.startScope) && regionVisible(ctx.actor, def.startScope, input.regionCode))) {
    throw forbidden(`您没有在该区划发起「${def.title}」的权限。`);
  }
  const data = checkData(def, input.data ?? {});
  const comment = checkComment(input.comment, false);
  const attachmentIds = checkAttachmentIds(input.attachmentIds);

  return inTransaction(ctx, async (tctx) => {
    const id = newId();
    const now = tctx.clock.now().toISOString();
    const a = tctx.actor;
    const initial = def.states[def.initial];
    const snapshot: CaseSnapshot<CaseData> = {
      id,
      definitionKey: def.key,
      definitionVersion: def.version,
      title,
      state: def.initial,
      regionCode: input.regionCode,
      subject: input.subject,
      data,
      startedBy: { userId: a.userId, name: a.name },
      unit: null,
      assignee: null,
    };
    let target: RouteTarget | null = input.unit ? { unitId: input.unit.id, unitName: input.unit.name } : null;
    if (!target && def.startRoute) target = await def.startRoute({ ctx: tctx, actor: a, case: snapshot, data, fields: {} });
    if (!target) throw badRequest('workflow_no_unit', '未指定受理单位, 无法发起。');
    const assignee = input.assignee ?? (target.userId ? { userId: target.userId, name: target.userName ?? '' } : null);
    await tctx.db.execute(sql`INSERT INTO workflow.cases (id, definition_key, definition_version, title, subject_module, subject_id, region_code,
        state, state_seq, state_entered_at, status, candidate_unit_id, candidate_unit_name, required_scope, assignee_user_id, assignee_name,
        started_by_user_id, started_by_name, started_by_kind, started_at, data, version, updated_at)
      VALUES (${id}, ${def.key}, ${def.version}, ${title}, ${input.subject.module}, ${input.subject.id}, ${input.regionCode},
        ${def.initial}, 1, ${now}, 'open', ${target.unitId}, ${target.unitName}, ${target.scope ?? initial.scope ?? null},
        ${assignee?.userId ?? null}, ${assignee?.name ?? null}, ${a.userId}, ${a.name}, ${a.kind}, ${now}, ${JSON.stringify(data)}::jsonb, 1, ${now})`);
    await appendHistory(tctx, id, { action: 'start', to: def.initial, comment, attachmentIds, details: { unitId: target.unitId, unitName: target.unitName } });
    await refreshClock(tctx, def, id);
    const row = await reload(tctx, id);
    auditCase(tctx, 'start', row, { definition: `${def.key}@${def.version}`, unitId: target.unitId });
    await emit(tctx, WORKFLOW_EVENTS.started, row);
    await noticeAssigned(tctx, row);
    return caseView(row);
  });
}

// ---- transitions ------------------------------------------------------------------------------

export interface TransitionInput {
  caseId: string;
  transition: string;
  comment?: string;
  fields?: Record<string, unknown>;
  attachmentIds?: string[];
  /** The version the user saw; a different current version answers 409 case_changed. */
  expectedVersion?: number;
}

/** Guards of a transition with the given data; the first refusal (Chinese) or null. */
export async function guardRefusal(ctx: Ctx, t: TransitionDef<CaseData>, row: CaseRow, data: CaseData, fields: Record<string, FieldValue>): Promise<string | null> {
  for (const guard of t.guards ?? []) {
    const reason = await guard({ ctx, actor: ctx.actor, case: snapshotOf(row), data, fields });
    if (reason) return reason;
  }
  return null;
}

export async function takeTransition(ctx: Ctx, input: TransitionInput): Promise<CaseView> {
  return inTransaction(ctx, async (tctx) => {
    const { row, def } = await lockCase(tctx, input.caseId, input.expectedVersion);
    const t = transitionByName(def, input.transition);
    if (!t) throw badRequest('transition_unknown', `流程「${def.title}」中没有名为「${input.transition}」的操作。`);
    const system = isSystem(tctx.actor);
    if (t.automatic && !system) throw forbidden(`「${t.label}」只能由系统按时自动执行。`);
    requireOpenStatus(row, ['open']);
    if (!t.from.includes(row.state)) {
      throw conflict('transition_not_allowed', `案件当前处于「${def.states[row.state]?.label ?? row.state}」, 不能执行「${t.label}」。`);
    }
    const grant = system ? null : requirePosition(tctx, row, t.scope ?? row.required_scope ?? def.states[row.state]?.scope ?? null);
    const fields = checkFields(t.fields, input.fields);
    const comment = checkComment(input.comment, Boolean(t.commentRequired));
    const attachmentIds = checkAttachmentIds(input.attachmentIds);
    const data = checkData(def, { ...row.data, ...fields });
    const refusal = await guardRefusal(tctx, t, row, data, fields);
    if (refusal) throw new AppError({ code: 'transition_refused', status: 422, message: refusal });
    const moved = await moveCase(tctx, { row, def, t, data, fields, comment, attachmentIds, grant });
    return caseView(moved);
  });
}

/** Enters `t.to`: routes the next step, closes on a terminal state, moves the clock, records and publishes. */
export async function moveCase(
  ctx: Ctx,
  m: { row: CaseRow; def: WorkflowDefinition; t: TransitionDef<CaseData>; data: CaseData; fields: Record<string, FieldValue>; comment: string | null; attachmentIds: string[]; grant: Grant | null; details?: Record<string, unknown> },
): Promise<CaseRow> {
  const { row, def, t } = m;
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const to = def.states[t.to];
  const wasLate = row.late || (row.deadline_at !== null && new Date(row.deadline_at).getTime() < now.getTime());
  const common = [
    sql`state = ${t.to}`,
    sql`state_seq = state_seq + 1`,
    sql`state_entered_at = ${nowIso}`,
    sql`data = ${JSON.stringify(m.data)}::jsonb`,
    sql`late = ${wasLate}`,
    sql`escalated_at = NULL`,
    sql`escalation_unit_id = NULL`,
    sql`escalation_unit_name = NULL`,
    sql`escalation_scope = NULL`,
  ];
  let target: RouteTarget | null = null;
  if (to.terminal) {
    const days = await handlingWorkingDays(ctx, row, now);
    await updateCase(ctx, row.id, [...common, sql`status = 'closed'`, sql`closed_at = ${nowIso}`, sql`assignee_user_id = NULL`, sql`assignee_name = NULL`,
      sql`required_scope = NULL`, sql`handling_working_days = ${days}`]);
  } else {
    target = t.route
      ? await t.route({ ctx, actor: ctx.actor, case: snapshotOf(row), data: m.data, fields: m.fields })
      : { unitId: row.candidate_unit_id ?? '', unitName: row.candidate_unit_name ?? '' };
    if (!target.unitId) throw badRequest('workflow_no_unit', `「${t.label}」没有确定下一步的办理单位。`);
    await updateCase(ctx, row.id, [...common, sql`candidate_unit_id = ${target.unitId}`, sql`candidate_unit_name = ${target.unitName}`,
      sql`required_scope = ${target.scope ?? to.scope ?? null}`, sql`assignee_user_id = ${target.userId ?? null}`, sql`assignee_name = ${target.userId ? target.userName ?? '' : null}`]);
  }
  await appendHistory(ctx, row.id, {
    action: 'transition',
    transition: t.name,
    from: row.state,
    to: t.to,
    grant: m.grant,
    comment: m.comment,
    fields: m.fields,
    attachmentIds: m.attachmentIds,
    details: { label: t.label, ...(target ? { unitId: target.unitId, unitName: target.unitName, ...(target.userId ? { assigneeUserId: target.userId } : {}) } : {}), ...(m.details ?? {}) },
  });
  await refreshClock(ctx, def, row.id);
  const moved = await reload(ctx, row.id);
  auditCase(ctx, 'transition', moved, { transition: t.name, from: row.state, to: t.to, ...(m.details ?? {}) });
  await emit(ctx, WORKFLOW_EVENTS.transitioned, moved, { transition: t.name, from: row.state, to: t.to, fields: m.fields });
  if (to.terminal) await emit(ctx, WORKFLOW_EVENTS.closed, moved, { outcome: t.to, outcomeLabel: to.label, startedByUserId: moved.started_by_user_id, link: caseLink(moved.id) });
  else await noticeAssigned(ctx, moved);
  return moved;
}

// ---- pool -------------------------------------------------------------------------------------

export interface CaseOpInput {
  caseId: string;
  comment?: string;
  expectedVersion?: number;
}

/** Takes a case from the unit's pool (签收). */
export async function claimCase(ctx: Ctx, input: CaseOpInput): Promise<CaseView> {
  return inTransaction(ctx, async (tctx) => {
    const { row } = await lockCase(tctx, input.caseId, input.expectedVersion);
    requireOpenStatus(row, ['open', 'correction', 'suspended']);
    if (row.assignee_user_id === tctx.actor.userId) throw conflict('already_claimed', '您已签收该案件。');
    if (row.assignee_user_id) throw conflict('case_taken', `该案件已由${row.assignee_name ?? ''}签收。`);
    const grant = requirePosition(tctx, row, row.required_scope);
    await updateCase(tctx, row.id, [sql`assignee_user_id = ${tctx.actor.userId}`, sql`assignee_name = ${tctx.actor.name}`]);
    await appendHistory(tctx, row.id, { action: 'claim', from: row.state, to: row.state, grant, comment: checkComment(input.comment, false) });
    const after = await reload(tctx, row.id);
    auditCase(tctx, 'claim', after);
    await emit(tctx, WORKFLOW_EVENTS.claimed, after);
    return caseView(after);
  });
}

/** Gives a claimed case back to the unit's pool. */
export async function releaseCase(ctx: Ctx, input: CaseOpInput): Promise<CaseView> {
  return inTransaction(ctx, async (tctx) => {
    const { row } = await lockCase(tctx, input.caseId, input.expectedVersion);
    requireOpenStatus(row, ['open', 'correction', 'suspended']);
    if (!row.assignee_user_id || row.assignee_user_id !== tctx.actor.userId) throw forbidden('只有承办人本人可以退回待认领。', 'not_assignee');
    const grant = workingGrant(tctx.actor, row, row.required_scope);
    await updateCase(tctx, row.id, [sql`assignee_user_id = NULL`, sql`assignee_name = NULL`]);
    await appendHistory(tctx, row.id, { action: 'release', from: row.state, to: row.state, grant, comment: checkComment(input.comment, false) });
    const after = await reload(tctx, row.id);
    auditCase(tctx, 'release', after);
    await emit(tctx, WORKFLOW_EVENTS.released, after);
    await noticeAssigned(tctx, after);
    return caseView(after);
  });
}

/** Colleagues who may receive a hand-over (needs the recipient resolver; [] without it). */
export async function handOverCandidates(ctx: Ctx, row: Pick<CaseRow, 'candidate_unit_id' | 'required_scope'>): Promise<{ userId: string; name: string }[]> {
  const resolver = recipientResolver();
  if (!resolver || !row.candidate_unit_id || !row.required_scope) return [];
  const ids = (await resolver.usersAtUnit(ctx, { unitId: row.candidate_unit_id, scope: row.required_scope })).filter((id) => id !== ctx.actor.userId);
  if (ids.length === 0) return [];
  const contacts = await resolver.contacts(ctx, { userIds: ids });
  return contacts.map((c) => ({ userId: c.userId, name: c.name })).sort((a, b) => a.name.localeCompare(b.name, 'zh'));
}

/** Hands the case to a colleague of the same unit who holds the step's scope (转交). */
export async function handOverCase(ctx: Ctx, input: CaseOpInput & { toUserId: string; toUserName?: string }): Promise<CaseView> {
  return inTransaction(ctx, async (tctx) => {
    const { row } = await lockCase(tctx, input.caseId, input.expectedVersion);
    requireOpenStatus(row, ['open', 'correction', 'suspended']);
    const grant = requirePosition(tctx, row, row.required_scope);
    const to = (input.toUserId ?? '').toLowerCase();
    if (!UUID.test(to)) throw badRequest('validation_failed', '请选择接收人', [{ field: 'toUserId', message: '请选择接收人' }]);
    if (to === tctx.actor.userId) throw badRequest('hand_over_self', '不能转交给自己。', [{ field: 'toUserId', message: '不能转交给自己' }]);
    let toName = (input.toUserName ?? '').trim() || to;
    if (recipientResolver()) {
      const candidate = (await handOverCandidates(tctx, row)).find((c) => c.userId === to);
      if (!candidate) throw badRequest('hand_over_target_invalid', '接收人不是本单位具有办理权限的工作人员。', [{ field: 'toUserId', message: '接收人不是本单位具有办理权限的工作人员' }]);
      toName = candidate.name;
    }
    const comment = checkComment(input.comment, false);
    await updateCase(tctx, row.id, [sql`assignee_user_id = ${to}`, sql`assignee_name = ${toName}`]);
    await appendHistory(tctx, row.id, { action: 'hand_over', from: row.state, to: row.state, grant, comment, details: { toUserId: to, toName, fromUserId: row.assignee_user_id } });
    const after = await reload(tctx, row.id);
    auditCase(tctx, 'hand_over', after, { toUserId: to });
    await emit(tctx, WORKFLOW_EVENTS.handedOver, after, { fromUserId: tctx.actor.userId, toUserId: to });
    await noticeAssigned(tctx, after);
    return caseView(after);
  });
}

// ---- pauses -----------------------------------------------------------------------------------

async function openPause(ctx: Ctx, row: CaseRow, reason: PauseReason, comment: string | null): Promise<void> {
  const now = ctx.clock.now().toISOString();
  await ctx.db.execute(sql`INSERT INTO workflow.pauses (id, case_id, state_seq, reason, started_at, started_by_name, comment)
    VALUES (${newId()}, ${row.id}, ${row.state_seq}, ${reason}, ${now}, ${ctx.actor.name}, ${comment})`);
  await updateCase(ctx, row.id, [sql`status = ${reason === 'correction' ? 'correction' : 'suspended'}`, sql`paused_since = ${now}`, sql`pause_reason = ${reason}`]);
}

async function closePause(ctx: Ctx, row: CaseRow, status: 'open' | 'withdrawn'): Promise<void> {
  const now = ctx.clock.now().toISOString();
  await ctx.db.execute(sql`UPDATE workflow.pauses SET ended_at = ${now}, ended_by_name = ${ctx.actor.name} WHERE case_id = ${row.id} AND ended_at IS NULL`);
  await updateCase(ctx, row.id, [sql`status = ${status}`, sql`paused_since = NULL`, sql`pause_reason = NULL`]);
}

/** Sends the case back to the applicant for correction (补正): the clock stops until they correct it. */
export async function returnForCorrection(ctx: Ctx, input: CaseOpInput): Promise<CaseView> {
  return inTransaction(ctx, async (tctx) => {
    const { row, def } = await lockCase(tctx, input.caseId, input.expectedVersion);
    requireOpenStatus(row, ['open']);
    const grant = requirePosition(tctx, row, row.required_scope);
    const comment = checkComment(input.comment, true, '需要补正的内容');
    await openPause(tctx, row, 'correction', comment);
    await appendHistory(tctx, row.id, { action: 'return_for_correction', from: row.state, to: row.state, grant, comment, details: { reason: 'correction' } });
    await refreshClock(tctx, def, row.id);
    const after = await reload(tctx, row.id);
    auditCase(tctx, 'return_for_correction', after);
    await emit(tctx, WORKFLOW_EVENTS.returnedForCorrection, after, { reason: comment, startedByUserId: after.started_by_user_id, link: caseLink(after.id) });
    return caseView(after);
  });
}

/** The applicant's correction arrived (by the applicant, or by a handler who received it): the clock runs again. */
export async function submitCorrection(ctx: Ctx, input: CaseOpInput & { data?: CaseData; attachmentIds?: string[] }): Promise<CaseView> {
  return inTransaction(ctx, async (tctx) => {
    const { row, def } = await lockCase(tctx, input.caseId, input.expectedVersion);
    requireOpenStatus(row, ['correction']);
    const isStarter = Boolean(tctx.actor.userId) && tctx.actor.userId === row.started_by_user_id;
    const grant = isStarter ? null : requirePosition(tctx, row, row.required_scope);
    const data = checkData(def, { ...row.data, ...(input.data ?? {}) });
    const comment = checkComment(input.comment, false);
    const attachmentIds = checkAttachmentIds(input.attachmentIds);
    await closePause(tctx, row, 'open');
    await updateCase(tctx, row.id, [sql`data = ${JSON.stringify(data)}::jsonb`]);
    await appendHistory(tctx, row.id, { action: 'correct', from: row.state, to: row.state, grant, comment, attachmentIds, details: { changed: Object.keys(input.data ?? {}) } });
    await refreshClock(tctx, def, row.id);
    const after = await reload(tctx, row.id);
    auditCase(tctx, 'correct', after);
    await emit(tctx, WORKFLOW_EVENTS.corrected, after);
    await noticeAssigned(tctx, after);
    return caseView(after);
  });
}

/** Stops the clock for a consultation, an inspection or an expert review (中止计时). */
export async function suspendCase(ctx: Ctx, input: CaseOpInput & { reason: SuspendReason }): Promise<CaseView> {
  return inTransaction(ctx, async (tctx) => {
    const { row, def } = await lockCase(tctx, input.caseId, input.expectedVersion);
    if (!(SUSPEND_REASONS as readonly string[]).includes(input.reason)) {
      throw badRequest('validation_failed', '请选择中止原因', [{ field: 'reason', message: `中止原因应为: ${SUSPEND_REASONS.map((r) => PAUSE_REASON_LABELS[r]).join('、')}` }]);
    }
    requireOpenStatus(row, ['open']);
    const grant = requirePosition(tctx, row, row.required_scope);
    const comment = checkComment(input.comment, true, '中止说明');
    await openPause(tctx, row, input.reason, comment);
    await appendHistory(tctx, row.id, { action: 'suspend', from: row.state, to: row.state, grant, comment, details: { reason: input.reason } });
    await refreshClock(tctx, def, row.id);
    const after = await reload(tctx, row.id);
    auditCase(tctx, 'suspend', after, { reason: input.reason });
    await emit(tctx, WORKFLOW_EVENTS.suspended, after, { reason: input.reason });
    return caseView(after);
  });
}

export async function resumeCase(ctx: Ctx, input: CaseOpInput): Promise<CaseView> {
  return inTransaction(ctx, async (tctx) => {
    const { row, def } = await lockCase(tctx, input.caseId, input.expectedVersion);
    requireOpenStatus(row, ['suspended']);
    const grant = requirePosition(tctx, row, row.required_scope);
    const comment = checkComment(input.comment, false);
    await closePause(tctx, row, 'open');
    await appendHistory(tctx, row.id, { action: 'resume', from: row.state, to: row.state, grant, comment, details: { reason: row.pause_reason } });
    await refreshClock(tctx, def, row.id);
    const after = await reload(tctx, row.id);
    auditCase(tctx, 'resume', after);
    await emit(tctx, WORKFLOW_EVENTS.resumed, after);
    return caseView(after);
  });
}

/** The starter takes the case back while it is not closed (撤回). */
export async function withdrawCase(ctx: Ctx, input: CaseOpInput): Promise<CaseView> {
  return inTransaction(ctx, async (tctx) => {
    const { row, def } = await lockCase(tctx, input.caseId, input.expectedVersion);
    requireOpenStatus(row, ['open', 'correction', 'suspended']);
    if (!tctx.actor.userId || tctx.actor.userId !== row.started_by_user_id) throw forbidden('只有发起人可以撤回。', 'not_starter');
    const comment = checkComment(input.comment, false);
    const now = tctx.clock.now().toISOString();
    if (row.status !== 'open') await closePause(tctx, row, 'withdrawn');
    await updateCase(tctx, row.id, [sql`status = 'withdrawn'`, sql`closed_at = ${now}`, sql`assignee_user_id = NULL`, sql`assignee_name = NULL`]);
    await appendHistory(tctx, row.id, { action: 'withdraw', from: row.state, to: row.state, comment });
    await refreshClock(tctx, def, row.id);
    const after = await reload(tctx, row.id);
    auditCase(tctx, 'withdraw', after);
    await emit(tctx, WORKFLOW_EVENTS.withdrawn, after, { previousAssigneeUserId: row.assignee_user_id });
    return caseView(after);
  });
}

