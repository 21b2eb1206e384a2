/**
 * Reading cases: one case with its timeline, paused intervals, deadline and the actions the actor
 * may take now; the staff inbox (待办 / 已办 / 即将超期 / 已超期) with filters and pagination.
 */
import type { Actor, Ctx } from '../context.ts';
import { badRequest, isAppError, notFound } from '../errors.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import type { SQL } from 'drizzle-orm';
import type { FieldDef } from './definition.ts';
import { findDefinition, workflowScopes } from './registry.ts';
import { canSee, isSystem, positionOf } from './access.ts';
import { calendarFor, deadlineInfo, type DeadlineInfo } from './clock.ts';
import { guardRefusal, handOverCandidates } from './cases.ts';
import { isCalendarDay } from './fields.ts';
import {
  HISTORY_ACTION_LABELS,
  INBOX_BOXES,
  PAUSE_REASON_LABELS,
  TIMER_KIND_LABELS,
  caseView,
  iso,
  isoOrNull,
  type CaseRow,
  type CaseView,
  type HistoryAction,
  type InboxBox,
  type PauseReason,
  type TimerKind,
} from './model.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface HistoryEntry {
  seq: number;
  at: string;
  action: HistoryAction;
  actionLabel: string;
  transition: string | null;
  transitionLabel: string | null;
  fromState: string | null;
  fromLabel: string | null;
  toState: string | null;
  toLabel: string | null;
  actor: { kind: string; userId: string | null; name: string; unitId: string | null; unitName: string | null };
  comment: string | null;
  fields: Record<string, unknown>;
  attachmentIds: string[];
  details: Record<string, unknown>;
}

export interface PauseView {
  reason: PauseReason;
  reasonLabel: string;
  from: string;
  to: string | null;
  startedBy: string;
  endedBy: string | null;
  comment: string | null;
}

export interface TimerView {
  id: string;
  kind: TimerKind;
  kindLabel: string;
  transition: string | null;
  dueAt: string;
  status: 'pending' | 'fired' | 'cancelled' | 'failed';
  attempts: number;
  lastError: string | null;
  firedAt: string | null;
}

export type ActionKind = 'claim' | 'release' | 'hand_over' | 'transition' | 'return_for_correction' | 'submit_correction' | 'suspend' | 'resume' | 'withdraw';

export interface CaseAction {
  kind: ActionKind;
  /** Chinese label (the button). */
  label: string;
  transition?: { name: string; label: string; to: string; toLabel: string; fields: FieldDef[]; commentRequired: boolean };
  /** Set when a guard refuses the transition now (shown instead of the form). */
  blockedReason?: string;
}

export interface CaseDetail {
  case: CaseView;
  history: HistoryEntry[];
  pauses: PauseView[];
  deadline: DeadlineInfo | null;
  /** The calendar could not compute the deadline (e.g. a year without holiday data): said, not hidden. */
  deadlineError: string | null;
  actions: CaseAction[];
  timers: TimerView[];
  handOverCandidates: { userId: string; name: string }[];
}

async function visibleRow(ctx: Ctx, id: string): Promise<CaseRow> {
  const row = UUID.test(id) ? await queryOne<CaseRow>(ctx.db, sql`SELECT * FROM workflow.cases WHERE id = ${id}`) : undefined;
  if (!row || !(await canSee(ctx, row))) throw notFound('case_not_found', '案件不存在或您无权查看。');
  return row;
}

export async function caseHistory(ctx: Ctx, row: CaseRow): Promise<HistoryEntry[]> {
  const def = findDefinition(row.definition_key, Number(row.definition_version));
  const rows = await queryRows<{
    seq: number; at: Date | string; action: HistoryAction; transition: string | null; from_state: string | null; to_state: string | null;
    actor_kind: string; actor_user_id: string | null; actor_name: string; actor_unit_id: string | null; actor_unit_name: string | null;
    comment: string | null; fields: Record<string, unknown>; attachment_ids: string[]; details: Record<string, unknown>;
  }>(ctx.db, sql`SELECT * FROM workflow.history WHERE case_id = ${row.id} ORDER BY seq`);
  const label = (s: string | null) => (s === null ? null : def?.states[s]?.label ?? s);
  return rows.map((h) => ({
    seq: Number(h.seq),
    at: iso(h.at),
    action: h.action,
    actionLabel: HISTORY_ACTION_LABELS[h.action] ?? h.action,
    transition: h.transition,
    transitionLabel: h.transition ? def?.transitions.find((t) => t.name === h.transition)?.label ?? h.transition : null,
    fromState: h.from_state,
    fromLabel: label(h.from_state),
    toState: h.to_state,
    toLabel: label(h.to_state),
    actor: { kind: h.actor_kind, userId: h.actor_user_id, name: h.actor_name, unitId: h.actor_unit_id, unitName: h.actor_unit_name },
    comment: h.comment,
    fields: h.fields ?? {},
    attachmentIds: h.attachment_ids ?? [],
    details: h.details ?? {},
  }));
}

async function casePauses(ctx: Ctx, caseId: string): Promise<PauseView[]> {
  const rows = await queryRows<{ reason: PauseReason; started_at: Date | string; ended_at: Date | string | null; started_by_name: string; ended_by_name: string | null; comment: string | null }>(
    ctx.db,
    sql`SELECT reason, started_at, ended_at, started_by_name, ended_by_name, comment FROM workflow.pauses WHERE case_id = ${caseId} ORDER BY started_at`,
  );
  return rows.map((p) => ({
    reason: p.reason,
    reasonLabel: PAUSE_REASON_LABELS[p.reason],
    from: iso(p.started_at),
    to: isoOrNull(p.ended_at),
    startedBy: p.started_by_name,
    endedBy: p.ended_by_name,
    comment: p.comment,
  }));
}

async function caseTimers(ctx: Ctx, caseId: string): Promise<TimerView[]> {
  const rows = await queryRows<{ id: string; kind: TimerKind; transition: string | null; due_at: Date | string; status: TimerView['status']; attempts: number; last_error: string | null; fired_at: Date | string | null }>(
    ctx.db,
    sql`SELECT id, kind, transition, due_at, status, attempts, last_error, fired_at FROM workflow.timers
        WHERE case_id = ${caseId} AND status IN ('pending', 'failed', 'fired') ORDER BY due_at`,
  );
  return rows.map((t) => ({
    id: t.id,
    kind: t.kind,
    kindLabel: TIMER_KIND_LABELS[t.kind],
    transition: t.transition,
    dueAt: iso(t.due_at),
    status: t.status,
    attempts: Number(t.attempts),
    lastError: t.last_error,
    firedAt: isoOrNull(t.fired_at),
  }));
}

/** What the actor may do with the case now (the forms on the case page, the buttons of a client). */
export async function availableActions(ctx: Ctx, row: CaseRow): Promise<CaseAction[]> {
  const a = ctx.actor;
  const out: CaseAction[] = [];
  if (row.status === 'closed' || row.status === 'withdrawn' || isSystem(a)) return out;
  const def = findDefinition(row.definition_key, Number(row.definition_version));
  const isStarter = Boolean(a.userId) && a.userId === row.started_by_user_id;
  const pos = positionOf(a, row, row.required_scope);
  const handling = 'grant' in pos;
  if (row.status === 'open' && def) {
    for (const t of def.transitions) {
      if (t.automatic || !t.from.includes(row.state)) continue;
      const tpos = positionOf(a, row, t.scope ?? row.required_scope);
      if (!('grant' in tpos)) continue;
      const blocked = await guardRefusal(ctx, t, row, row.data ?? {}, {});
      out.push({
        kind: 'transition',
        label: t.label,
        transition: { name: t.name, label: t.label, to: t.to, toLabel: def.states[t.to]?.label ?? t.to, fields: t.fields ?? [], commentRequired: Boolean(t.commentRequired) },
        ...(blocked ? { blockedReason: blocked } : {}),
      });
    }
  }
  if (handling && !row.assignee_user_id) out.push({ kind: 'claim', label: '签收' });
  if (handling && row.assignee_user_id === a.userId) out.push({ kind: 'release', label: '退回待认领' });
  if (handling) out.push({ kind: 'hand_over', label: '转交' });
  if (handling && row.status === 'open') {
    out.push({ kind: 'return_for_correction', label: '退回补正' });
    out.push({ kind: 'suspend', label: '中止计时' });
  }
  if (handling && row.status === 'suspended') out.push({ kind: 'resume', label: '恢复计时' });
  if ((handling || isStarter) && row.status === 'correction') out.push({ kind: 'submit_correction', label: '补正完成' });
  if (isStarter) out.push({ kind: 'withdraw', label: '撤回' });
  return out;
}

export async function getCase(ctx: Ctx, input: { id: string }): Promise<CaseDetail> {
  const row = await visibleRow(ctx, input.id);
  const def = findDefinition(row.definition_key, Number(row.definition_version));
  let deadline: DeadlineInfo | null = null;
  let deadlineError: string | null = null;
  const state = def?.states[row.state];
  if (state) {
    try {
      deadline = await deadlineInfo(ctx, row, state);
    } catch (err) {
      if (!isAppError(err)) throw err;
      deadlineError = err.message;
    }
  }
  const actions = await availableActions(ctx, row);
  const detail: CaseDetail = {
    case: caseView(row),
    history: await caseHistory(ctx, row),
    pauses: await casePauses(ctx, row.id),
    deadline,
    deadlineError,
    actions,
    timers: await caseTimers(ctx, row.id),
    handOverCandidates: actions.some((x) => x.kind === 'hand_over') ? await handOverCandidates(ctx, row) : [],
  };
  return ctx.actor.kind === 'citizen' || ctx.actor.kind === 'enterprise' ? applicantView(detail) : detail;
}

/**
 * What an applicant sees of their own case: the steps, times and handling units, and what they
 * must correct; not the staff's names, internal opinions, fields or timers.
 */
function applicantView(d: CaseDetail): CaseDetail {
  const { requiredScope: _scope, assignee: _assignee, ...rest } = d.case;
  return {
    ...d,
    case: { ...rest, requiredScope: null, assignee: null },
    history: d.history.map((h) => ({
      ...h,
      actor: h.actor.kind === 'citizen' || h.actor.kind === 'enterprise' ? h.actor : { kind: h.actor.kind, userId: null, name: h.actor.unitName ?? '办理单位', unitId: h.actor.unitId, unitName: h.actor.unitName },
      comment: h.action === 'return_for_correction' || h.action === 'start' || h.action === 'correct' || h.action === 'withdraw' ? h.comment : null,
      fields: {},
      details: {},
    })),
    pauses: d.pauses.map((p) => ({ ...p, startedBy: '', endedBy: null, comment: p.reason === 'correction' ? p.comment : null })),
    timers: [],
    handOverCandidates: [],
  };
}

/** The cases of a business object (for the module that owns it; no visibility check). */
export async function casesForSubject(ctx: Ctx, input: { module: string; id: string }): Promise<CaseView[]> {
  const rows = await queryRows<CaseRow>(ctx.db, sql`SELECT * FROM workflow.cases WHERE subject_module = ${input.module} AND subject_id = ${input.id} ORDER BY started_at`);
  return rows.map(caseView);
}

// ---- inbox ------------------------------------------------------------------------------------

export interface InboxFilter {
  box: InboxBox;
  definitionKey?: string;
  state?: string;
  /** Started on or after this day (YYYY-MM-DD, China time). */
  from?: string;
  /** Started on or before this day. */
  to?: string;
  /** Text in the title or the business object's id. */
  q?: string;
  page?: number;
  pageSize?: number;
}

export interface InboxItem extends CaseView {
  overdue: boolean;
  /** The actor's last action on it (已办). */
  lastActionAt: string | null;
}

export interface InboxPage {
  box: InboxBox;
  items: InboxItem[];
  total: number;
  page: number;
  pageSize: number;
}

/** (unit, scope, region prefix) triples in which the actor may work on cases, from the grants. */
export function poolPairs(actor: Actor): { u: string; s: string; p: string }[] {
  const scopes = workflowScopes();
  const seen = new Set<string>();
  const out: { u: string; s: string; p: string }[] = [];
  if (!actor.userId || actor.pendingSecondFactor) return out;
  for (const g of actor.grants) {
    if (!UUID.test(g.unitId)) continue;
    for (const s of scopes) {
      if (!(g.scopes.has(s) || g.scopes.has('*'))) continue;
      const k = `${g.unitId}|${s}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ u: g.unitId, s, p: g.regionPrefix });
    }
  }
  return out;
}

const OPEN_SQL = sql`('open', 'correction', 'suspended')`;
type Pairs = { u: string; s: string; p: string }[];

/** The pairs as an inline VALUES list (the planner sees how few there are and uses the indexes). */
function pairValues(pairs: Pairs): SQL {
  return sql`(VALUES ${sql.join(pairs.map((x) => sql`(${x.u}::uuid, ${x.s}::text, ${x.p}::text)`), sql`, `)}) AS g(u, s, p)`;
}

const NONE = sql`SELECT NULL::uuid AS id WHERE false`;

/**
 * Ids of the cases in the actor's 待办: unassigned in a pool of theirs, or assigned to them, always
 * within their grants (unit, scope, region). Two halves so each uses its partial index.
 */
function todoIds(actor: Actor, pairs: Pairs): SQL {
  if (pairs.length === 0) return NONE;
  return sql`SELECT c.id FROM workflow.cases c JOIN ${pairValues(pairs)} ON g.u = c.candidate_unit_id AND g.s = c.required_scope
      WHERE c.assignee_user_id IS NULL AND c.status IN ${OPEN_SQL} AND left(c.region_code, length(g.p)) = g.p
    UNION ALL
    SELECT c.id FROM workflow.cases c JOIN ${pairValues(pairs)} ON g.u = c.candidate_unit_id AND g.s = c.required_scope
      WHERE c.assignee_user_id = ${actor.userId} AND c.status IN ${OPEN_SQL} AND left(c.region_code, length(g.p)) = g.p`;
}

/** Ids of open cases escalated to a unit where the actor holds the escalation scope. */
function escalatedIds(pairs: Pairs): SQL {
  if (pairs.length === 0) return NONE;
  return sql`SELECT c.id FROM workflow.cases c JOIN ${pairValues(pairs)} ON g.u = c.escalation_unit_id AND g.s = c.escalation_scope
      WHERE c.status = 'open' AND c.escalation_unit_id IS NOT NULL AND left(c.region_code, length(g.p)) = g.p`;
}

/** "Due soon" limits from now: one working day for day deadlines, four working hours for hour deadlines. */
export async function dueSoonLimits(ctx: Ctx): Promise<{ days: Date; hours: Date }> {
  const region = ctx.actor.grants.find((g) => /^\d{6}$/.test(g.regionCode))?.regionCode ?? '410000';
  const cal = await calendarFor(ctx, region);
  const now = ctx.clock.now();
  return { days: cal.addWorkingDays(now, 1), hours: cal.addWorkingHours(now, 4) };
}


/** Start of a China-time day as an instant. */
const chinaDayStart = (day: string): string => new Date(`${day}T00:00:00+08:00`).toISOString();

export async function listInbox(ctx: Ctx, input: InboxFilter): Promise<InboxPage> {
  if (!(INBOX_BOXES as readonly string[]).includes(input.box)) throw badRequest('validation_failed', '未知的待办分类', [{ field: 'box', message: '「分类」的取值不在允许范围内' }]);
  for (const [k, label] of [['from', '受理起始日期'], ['to', '受理截止日期']] as const) {
    if (input[k] && !isCalendarDay(input[k]!)) throw badRequest('validation_failed', `「${label}」应为日期 (年-月-日)`, [{ field: k, message: `「${label}」应为日期 (年-月-日)` }]);
  }
  const page = Math.max(1, Math.floor(input.page ?? 1));
  const pageSize = Math.min(100, Math.max(1, Math.floor(input.pageSize ?? 20)));
  const a = ctx.actor;
  const empty: InboxPage = { box: input.box, items: [], total: 0, page, pageSize };
  if (!a.userId) return empty;
  const now = ctx.clock.now().toISOString();
  const pairs = poolPairs(a);

  let base: SQL;
  let order: SQL;
  switch (input.box) {
    case 'todo':
      base = sql`SELECT id, NULL::timestamptz AS last_at FROM (${todoIds(a, pairs)}) t`;
      order = sql`c.deadline_at ASC NULLS LAST, c.started_at ASC, c.id`;
      break;
    case 'due_soon': {
      const limits = await dueSoonLimits(ctx);
      base = sql`SELECT c.id, NULL::timestamptz AS last_at FROM workflow.cases c WHERE c.id IN (${todoIds(a, pairs)}) AND c.status = 'open'
        AND c.deadline_at > ${now} AND c.deadline_at <= CASE c.deadline_unit WHEN 'hours' THEN ${limits.hours.toISOString()}::timestamptz ELSE ${limits.days.toISOString()}::timestamptz END`;
      order = sql`c.deadline_at ASC, c.id`;
      break;
    }
    case 'overdue':
      base = sql`SELECT c.id, NULL::timestamptz AS last_at FROM workflow.cases c
        WHERE c.id IN (${todoIds(a, pairs)} UNION ${escalatedIds(pairs)}) AND c.status = 'open' AND c.deadline_at <= ${now}`;
      order = sql`c.deadline_at ASC, c.id`;
      break;
    case 'done':
      base = sql`SELECT case_id AS id, max(at) AS last_at FROM workflow.history WHERE actor_user_id = ${a.userId} GROUP BY case_id`;
      order = sql`b.last_at DESC, c.id`;
      break;
  }
  const where: SQL[] = [sql`true`];
  if (input.definitionKey) where.push(sql`c.definition_key = ${input.definitionKey}`);
  if (input.state) where.push(sql`c.state = ${input.state}`);
  if (input.from) where.push(sql`c.started_at >= ${chinaDayStart(input.from)}`);
  if (input.to) where.push(sql`c.started_at < ${chinaDayStart(input.to)}::timestamptz + interval '1 day'`);
  const q = (input.q ?? '').trim().slice(0, 100);
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    where.push(sql`(c.title ILIKE ${like} OR c.subject_id = ${q})`);
  }
  const filter = sql.join(where, sql` AND `);
  const totalRow = await queryOne<{ n: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS n FROM (${base}) b JOIN workflow.cases c ON c.id = b.id WHERE ${filter}`,
  );
  const rows = await queryRows<CaseRow & { last_at: Date | string | null }>(
    ctx.db,
    sql`SELECT c.*, b.last_at FROM (${base}) b JOIN workflow.cases c ON c.id = b.id WHERE ${filter}
        ORDER BY ${order} LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
  );
  const nowMs = ctx.clock.now().getTime();
  return {
    box: input.box,
    items: rows.map((r) => ({
      ...caseView(r),
      overdue: r.status === 'open' && r.deadline_at !== null && new Date(r.deadline_at).getTime() <= nowMs,
      lastActionAt: isoOrNull(r.last_at),
    })),
    total: Number(totalRow?.n ?? 0),
    page,
    pageSize,
  };
}

export interface InboxCounts {
  todo: number;
  overdue: number;
  /** null when the calendar cannot say (see dueSoonError). */
  dueSoon: number | null;
  dueSoonError: string | null;
}

/** Counts for the inbox tabs and the workbench home. */
export async function inboxCounts(ctx: Ctx): Promise<InboxCounts> {
  const a = ctx.actor;
  if (!a.userId) return { todo: 0, overdue: 0, dueSoon: 0, dueSoonError: null };
  const pairs = poolPairs(a);
  const now = ctx.clock.now().toISOString();
  let limits: { days: Date; hours: Date } | null = null;
  let dueSoonError: string | null = null;
  try {
    limits = await dueSoonLimits(ctx);
  } catch (err) {
    if (!isAppError(err)) throw err;
    dueSoonError = err.message;
  }
  const dueSoonExpr = limits
    ? sql`count(*) FILTER (WHERE c.status = 'open' AND c.deadline_at > ${now}
        AND c.deadline_at <= CASE c.deadline_unit WHEN 'hours' THEN ${limits.hours.toISOString()}::timestamptz ELSE ${limits.days.toISOString()}::timestamptz END)`
    : sql`0`;
  const r = await queryOne<{ todo: string | number; overdue: string | number; due_soon: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS todo, count(*) FILTER (WHERE c.status = 'open' AND c.deadline_at <= ${now}) AS overdue, ${dueSoonExpr} AS due_soon
        FROM workflow.cases c WHERE c.id IN (${todoIds(a, pairs)})`,
  );
  const escalated = await queryOne<{ n: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS n FROM workflow.cases c WHERE c.id IN (${escalatedIds(pairs)}) AND c.deadline_at <= ${now}
        AND c.id NOT IN (${todoIds(a, pairs)})`,
  );
  return {
    todo: Number(r?.todo ?? 0),
    overdue: Number(r?.overdue ?? 0) + Number(escalated?.n ?? 0),
    dueSoon: limits ? Number(r?.due_soon ?? 0) : null,
    dueSoonError,
  };
}
