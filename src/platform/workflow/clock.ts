/**
 * The case clock: the deadline of the current state (working days or hours from entering it, paused
 * time excluded, by the case region's working calendar) and the timers that hang on it. Called in
 * the transaction of every change that moves the clock: entering a state, pausing, resuming.
 */
import type { Ctx } from '../context.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import { newId } from '../ids.ts';
import { deadlineWithPauses, loadCalendar, type WorkingCalendar } from '../calendar/index.ts';
import type { Budget, Delay, StateDef, CaseData, WorkflowDefinition } from './definition.ts';
import { deadlineUnitOf } from './definition.ts';
import type { CaseRow } from './model.ts';

export interface PauseInterval {
  from: Date;
  to: Date | null;
}

export async function calendarFor(ctx: Ctx, regionCode: string): Promise<WorkingCalendar> {
  return loadCalendar(ctx, { regionCode });
}

const calendarBudget = (b: Budget): { days: number } | { hours: number } => ('workingDays' in b ? { days: b.workingDays } : { hours: b.workingHours });

/** Pause intervals of the case's current state (a state's clock ignores earlier states' pauses). */
export async function pausesOfState(ctx: Ctx, caseId: string, stateSeq: number): Promise<PauseInterval[]> {
  const rows = await queryRows<{ started_at: Date | string; ended_at: Date | string | null }>(
    ctx.db,
    sql`SELECT started_at, ended_at FROM workflow.pauses WHERE case_id = ${caseId} AND state_seq = ${stateSeq} ORDER BY started_at`,
  );
  return rows.map((r) => ({ from: new Date(r.started_at), to: r.ended_at === null ? null : new Date(r.ended_at) }));
}

/** Instant at which `budget` of working time counted from `start` is used up, pauses excluded (null while paused). */
export function budgetEnd(cal: WorkingCalendar, start: Date, budget: Budget, pauses: PauseInterval[], now: Date): Date | null {
  return deadlineWithPauses(cal, { start, budget: calendarBudget(budget), pauses, now }).deadline;
}

/** Where a timer delay ends: working time through the calendar, plain hours plus the paused time. */
export function delayEnd(cal: WorkingCalendar, start: Date, delay: Delay, pauses: PauseInterval[], now: Date): Date | null {
  if ('hours' in delay) {
    if (pauses.some((p) => p.to === null)) return null;
    const paused = pauses.reduce((s, p) => s + (p.to!.getTime() - p.from.getTime()), 0);
    return new Date(start.getTime() + delay.hours * 3_600_000 + paused);
  }
  return budgetEnd(cal, start, delay, pauses, now);
}

/** Deadline figures of a case for display: remaining working days (or hours) now. */
export interface DeadlineInfo {
  at: string | null;
  unit: 'days' | 'hours';
  amount: number;
  used: number;
  remaining: number;
  overdue: boolean;
  paused: boolean;
}

export async function deadlineInfo(ctx: Ctx, c: CaseRow, state: StateDef<CaseData>): Promise<DeadlineInfo | null> {
  if (!state.deadline || c.status === 'closed' || c.status === 'withdrawn') return null;
  const cal = await calendarFor(ctx, c.region_code);
  const pauses = await pausesOfState(ctx, c.id, Number(c.state_seq));
  const now = ctx.clock.now();
  const r = deadlineWithPauses(cal, { start: new Date(c.state_entered_at), budget: calendarBudget(state.deadline), pauses, now });
  const { unit, amount } = deadlineUnitOf(state.deadline);
  const used = unit === 'days' ? r.usedDays : r.usedHours ?? 0;
  const remaining = unit === 'days' ? r.remainingDays : r.remainingHours ?? 0;
  return {
    at: r.deadline ? r.deadline.toISOString() : null,
    unit,
    amount,
    used,
    remaining,
    overdue: r.deadline !== null && r.deadline.getTime() < now.getTime(),
    paused: pauses.some((p) => p.to === null),
  };
}

/**
 * Recomputes the current state's deadline, stores it on the case, cancels the case's pending
 * timers and, while the case is open, schedules the state's reminder, escalation and automatic
 * transition (each once per state: those already fired in this state are not scheduled again).
 */
export async function refreshClock(ctx: Ctx, def: WorkflowDefinition, caseId: string): Promise<void> {
  const c = await queryOne<CaseRow>(ctx.db, sql`SELECT * FROM workflow.cases WHERE id = ${caseId}`);
  if (!c) return;
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const stateSeq = Number(c.state_seq);
  // A new clock generation: timers of older ones are stale. Pending timers that a worker is firing
  // right now (row locked) are skipped rather than waited for (the worker would wait for this case
  // row: a deadlock); the worker sees the new generation and cancels them itself.
  const clockSeq = Number(c.clock_seq) + 1;
  await ctx.db.execute(sql`UPDATE workflow.cases SET clock_seq = ${clockSeq} WHERE id = ${caseId}`);
  await ctx.db.execute(sql`UPDATE workflow.timers SET status = 'cancelled' WHERE id IN (
    SELECT id FROM workflow.timers WHERE case_id = ${caseId} AND status = 'pending' FOR UPDATE SKIP LOCKED)`);
  const state = def.states[c.state];
  if (!state || state.terminal || c.status === 'closed' || c.status === 'withdrawn') {
    await ctx.db.execute(sql`UPDATE workflow.cases SET deadline_at = NULL, deadline_unit = NULL, deadline_amount = NULL WHERE id = ${caseId}`);
    return;
  }
  if (!state.deadline && !state.timer) {
    await ctx.db.execute(sql`UPDATE workflow.cases SET deadline_at = NULL, deadline_unit = NULL, deadline_amount = NULL WHERE id = ${caseId}`);
    return;
  }
  const cal = await calendarFor(ctx, c.region_code);
  const pauses = await pausesOfState(ctx, caseId, stateSeq);
  const start = new Date(c.state_entered_at);
  let deadline: Date | null = null;
  if (state.deadline) {
    deadline = budgetEnd(cal, start, state.deadline, pauses, now);
    const { unit, amount } = deadlineUnitOf(state.deadline);
    await ctx.db.execute(sql`UPDATE workflow.cases SET deadline_at = ${deadline ? deadline.toISOString() : null}, deadline_unit = ${unit}, deadline_amount = ${amount}
      WHERE id = ${caseId}`);
  } else {
    await ctx.db.execute(sql`UPDATE workflow.cases SET deadline_at = NULL, deadline_unit = NULL, deadline_amount = NULL WHERE id = ${caseId}`);
  }
  if (c.status !== 'open') return; // paused: nothing runs until the clock resumes

  const fired = new Set(
    (await queryRows<{ kind: string }>(ctx.db, sql`SELECT DISTINCT kind FROM workflow.timers WHERE case_id = ${caseId} AND state_seq = ${stateSeq} AND status = 'fired'`)).map((r) => r.kind),
  );
  const schedule = async (kind: 'reminder' | 'escalation' | 'auto_transition', due: Date, transition: string | null) => {
    const dueIso = due.toISOString();
    await ctx.db.execute(sql`INSERT INTO workflow.timers (id, case_id, state_seq, clock_seq, kind, transition, due_at, next_attempt_at, status, attempts, created_at)
      VALUES (${newId()}, ${caseId}, ${stateSeq}, ${clockSeq}, ${kind}, ${transition}, ${dueIso}, ${dueIso}, 'pending', 0, ${nowIso})`);
  };
  if (state.deadline && deadline) {
    if (state.reminderBefore && !fired.has('reminder') && deadline.getTime() > now.getTime()) {
      const amount = deadlineUnitOf(state.deadline).amount - state.reminderBefore;
      const budget: Budget = 'workingDays' in state.deadline ? { workingDays: amount } : { workingHours: amount };
      const remindAt = budgetEnd(cal, start, budget, pauses, now);
      if (remindAt) await schedule('reminder', remindAt, null);
    }
    if (state.escalation && !fired.has('escalation') && !c.escalated_at) await schedule('escalation', deadline, null);
  }
  if (state.timer && !fired.has('auto_transition')) {
    const due = delayEnd(cal, start, state.timer.after, pauses, now);
    if (due) await schedule('auto_transition', due, state.timer.transition);
  }
}

/** Working days the case took, start to `end`, paused time excluded (for statistics). */
export async function handlingWorkingDays(ctx: Ctx, c: CaseRow, end: Date): Promise<number> {
  const cal = await calendarFor(ctx, c.region_code);
  const rows = await queryRows<{ started_at: Date | string; ended_at: Date | string | null }>(
    ctx.db,
    sql`SELECT started_at, ended_at FROM workflow.pauses WHERE case_id = ${c.id} ORDER BY started_at`,
  );
  const pauses = rows.map((r) => ({ from: new Date(r.started_at), to: r.ended_at === null ? end : new Date(r.ended_at) }));
  return deadlineWithPauses(cal, { start: new Date(c.started_at), budget: { days: 0 }, pauses, now: end }).usedDays;
}
