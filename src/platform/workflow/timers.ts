/**
 * Workflow timers: reminders before a deadline, escalation when it passes, automatic transitions.
 * They live in workflow.timers, so they survive restarts. `runDueTimers` claims a batch of due timers
 * with FOR UPDATE SKIP LOCKED and fires them in the same transaction that marks them fired, so with
 * several workers each timer runs once; a failure rolls back its effect (savepoint), counts the
 * attempt and retries with backoff. `fired_at - due_at` is recorded as the lag.
 */
import { systemActor, type Ctx, type Logger } from '../context.ts';
import { queryOne, queryRows, sql, type Db } from '../db/index.ts';
import { appendAuditEntries, audit } from '../audit/chain.ts';
import type { AuditEntry } from '../audit/entry.ts';
import { publish } from '../events/outbox.ts';
import { newId } from '../ids.ts';
import { isAppError } from '../errors.ts';
import { transitionByName } from './definition.ts';
import { definitionFor, eventRegistry } from './registry.ts';
import { caseLink, guardRefusal, moveCase, snapshotOf } from './cases.ts';
import { WORKFLOW_EVENTS, type CaseRow, type TimerKind } from './model.ts';

export const TIMER_MAX_ATTEMPTS = 5;
/** Timers fired per transaction by one lane. */
export const TIMER_BATCH_SIZE = 25;
/** Retry n waits 1 min × 2^(n-1), at most an hour. */
export const timerBackoffMs = (attempt: number): number => Math.min(60_000 * 2 ** Math.max(0, attempt - 1), 3_600_000);

interface TimerRow {
  id: string;
  case_id: string;
  state_seq: number;
  clock_seq: number;
  kind: TimerKind;
  transition: string | null;
  due_at: Date | string;
  attempts: number;
}

export interface TimerRunResult {
  fired: number;
  /** Stale timers found and cancelled (the case moved on). */
  cancelled: number;
  /** Attempts that failed (retried later, or given up after TIMER_MAX_ATTEMPTS). */
  failed: number;
}

type Outcome = 'fired' | 'stale';

class TimerRefused extends Error {}

async function historyEntry(ctx: Ctx, row: CaseRow, action: 'remind' | 'escalate', details: Record<string, unknown>): Promise<void> {
  await ctx.db.execute(sql`INSERT INTO workflow.history (id, case_id, seq, at, action, from_state, to_state, actor_kind, actor_user_id, actor_name, details)
    VALUES (${newId()}, ${row.id}, (SELECT coalesce(max(seq), 0) + 1 FROM workflow.history WHERE case_id = ${row.id}), ${ctx.clock.now().toISOString()},
      ${action}, ${row.state}, ${row.state}, 'system', NULL, ${systemActor.name}, ${JSON.stringify(details)}::jsonb)`);
}

const payloadOf = (row: CaseRow, extra: Record<string, unknown>) => ({
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
  link: caseLink(row.id),
  ...extra,
});

async function fire(ctx: Ctx, timer: TimerRow): Promise<Outcome> {
  const row = await queryOne<CaseRow>(ctx.db, sql`SELECT * FROM workflow.cases WHERE id = ${timer.case_id} FOR UPDATE`);
  if (!row || row.status !== 'open' || Number(row.state_seq) !== Number(timer.state_seq) || Number(row.clock_seq) !== Number(timer.clock_seq)) return 'stale';
  const def = definitionFor(row.definition_key, Number(row.definition_version));
  const state = def.states[row.state];
  const events = eventRegistry();
  const deadline = row.deadline_at ? new Date(row.deadline_at).toISOString() : null;
  switch (timer.kind) {
    case 'reminder': {
      await historyEntry(ctx, row, 'remind', { deadline });
      audit(ctx, { action: 'workflow.case.remind', targetType: 'workflow.case', targetId: row.id, targetLabel: row.title, details: { state: row.state, deadline } });
      await publish(ctx, events, { type: WORKFLOW_EVENTS.reminded, orderingKey: row.id, payload: payloadOf(row, { deadline }) });
      await publish(ctx, events, { type: WORKFLOW_EVENTS.reminderNotice, orderingKey: row.id, payload: payloadOf(row, { deadline }) });
      return 'fired';
    }
    case 'escalation': {
      if (!state?.escalation) return 'stale';
      const target = await state.escalation.route({ ctx, actor: ctx.actor, case: snapshotOf(row), data: row.data ?? {}, fields: {} });
      const scope = target.scope ?? state.escalation.scope;
      const now = ctx.clock.now().toISOString();
      // Not a new version: escalation changes no step, so users' open forms stay valid.
      await ctx.db.execute(sql`UPDATE workflow.cases SET late = true, escalated_at = ${now}, escalation_unit_id = ${target.unitId},
        escalation_unit_name = ${target.unitName}, escalation_scope = ${scope} WHERE id = ${row.id}`);
      const details = { deadline, escalationUnitId: target.unitId, escalationUnitName: target.unitName, escalationScope: scope };
      await historyEntry(ctx, row, 'escalate', details);
      audit(ctx, { action: 'workflow.case.escalate', targetType: 'workflow.case', targetId: row.id, targetLabel: row.title, details: { state: row.state, ...details } });
      await publish(ctx, events, { type: WORKFLOW_EVENTS.escalated, orderingKey: row.id, payload: payloadOf(row, details) });
      await publish(ctx, events, { type: WORKFLOW_EVENTS.escalatedNotice, orderingKey: row.id, payload: payloadOf(row, details) });
      return 'fired';
    }
    case 'auto_transition': {
      const t = timer.transition ? transitionByName(def, timer.transition) : undefined;
      if (!t || !t.from.includes(row.state)) return 'stale';
      const refusal = await guardRefusal(ctx, t, row, row.data ?? {}, {});
      if (refusal) throw new TimerRefused(refusal);
      await moveCase(ctx, { row, def, t, data: row.data ?? {}, fields: {}, comment: null, attachmentIds: [], grant: null, details: { timerId: timer.id } });
      return 'fired';
    }
  }
}

/**
 * Claims up to `size` due timers and fires them in ONE transaction, each in its own savepoint (a
 * failing timer's writes roll back, its attempt count does not). One commit and one append to the
 * audit chain per batch instead of per timer: a burst of deadlines falling due at 17:00 is drained
 * several times faster. Audit records are appended after the last timer, so the chain's lock is held
 * only for the append. Returns how many timers were claimed (0: none due, or all taken by others).
 */
async function fireBatch(ctx: Ctx, size: number): Promise<TimerRunResult & { claimed: number }> {
  return ctx.db.transaction(async (rawTx) => {
    const tx = rawTx as unknown as Db;
    const result = { fired: 0, cancelled: 0, failed: 0, claimed: 0 };
    const now = ctx.clock.now();
    const timers = await queryRows<TimerRow>(
      tx,
      sql`SELECT id, case_id, state_seq, clock_seq, kind, transition, due_at, attempts FROM workflow.timers
          WHERE status = 'pending' AND next_attempt_at <= ${now.toISOString()}
          ORDER BY next_attempt_at, id LIMIT ${size} FOR UPDATE SKIP LOCKED`,
    );
    result.claimed = timers.length;
    const audits: { tctx: Ctx; entries: AuditEntry[] }[] = [];
    for (const timer of timers) {
      const attempts = Number(timer.attempts) + 1;
      const done: { outcome: Outcome | null } = { outcome: null };
      const tctx: Ctx = { ...ctx, actor: systemActor, db: tx, requestId: `timer:${timer.id}`, tx: { auditBuffer: [] } };
      let error: string | null = null;
      try {
        await tx.transaction(async (sp) => {
          done.outcome = await fire({ ...tctx, db: sp as unknown as Db }, timer);
        });
      } catch (err) {
        error = isAppError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
      }
      const firedAt = ctx.clock.now();
      const outcome = error === null ? done.outcome : null;
      if (outcome !== null) {
        if (tctx.tx!.auditBuffer.length > 0) audits.push({ tctx, entries: tctx.tx!.auditBuffer });
        await tx.execute(sql`UPDATE workflow.timers SET status = ${outcome === 'fired' ? 'fired' : 'cancelled'}, attempts = ${attempts}, fired_at = ${firedAt.toISOString()},
          lag_ms = ${firedAt.getTime() - new Date(timer.due_at).getTime()}, last_error = NULL WHERE id = ${timer.id}`);
        result[outcome === 'fired' ? 'fired' : 'cancelled'] += 1;
        continue;
      }
      const giveUp = attempts >= TIMER_MAX_ATTEMPTS;
      await tx.execute(sql`UPDATE workflow.timers SET status = ${giveUp ? 'failed' : 'pending'}, attempts = ${attempts}, last_error = ${(error ?? '').slice(0, 2000)},
        next_attempt_at = ${new Date(firedAt.getTime() + timerBackoffMs(attempts)).toISOString()} WHERE id = ${timer.id}`);
      ctx.log.warn({ timer: timer.id, case: timer.case_id, kind: timer.kind, attempts, giveUp, error }, 'workflow timer failed');
      result.failed += 1;
    }
    for (const a of audits) await appendAuditEntries(a.tctx, tx, a.entries);
    return result;
  });
}

/**
 * Fires every timer due now (up to `limit`); safe to call from several workers at once. With
 * `concurrency` > 1 that many claim-and-fire loops run side by side on separate connections (SKIP
 * LOCKED keeps them apart), so a burst of timers falling due together is not fired one at a time.
 */
export async function runDueTimers(ctx: Ctx, opts: { limit?: number; concurrency?: number; batchSize?: number } = {}): Promise<TimerRunResult> {
  const result: TimerRunResult = { fired: 0, cancelled: 0, failed: 0 };
  const limit = opts.limit ?? 2000;
  const batchSize = Math.max(1, opts.batchSize ?? TIMER_BATCH_SIZE);
  let claimed = 0;
  const lane = async () => {
    while (claimed < limit) {
      const size = Math.min(batchSize, limit - claimed);
      claimed += size;
      const r = await fireBatch(ctx, size);
      result.fired += r.fired;
      result.cancelled += r.cancelled;
      result.failed += r.failed;
      if (r.claimed < size) return;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, lane));
  return result;
}

export interface TimerLoop {
  stop(): Promise<void>;
}

/** Runs `runDueTimers` every `intervalMs` (never overlapping itself) until stopped; for the worker role. */
export function startTimerLoop(opts: { ctx: () => Ctx; log: Logger; intervalMs?: number; concurrency?: number; onPass?: (r: TimerRunResult) => void }): TimerLoop {
  let stopped = false;
  let running: Promise<void> | null = null;
  let handle: NodeJS.Timeout | null = null;
  const interval = opts.intervalMs ?? 1000;
  const pass = async () => {
    try {
      const r = await runDueTimers(opts.ctx(), { concurrency: opts.concurrency });
      opts.onPass?.(r);
    } catch (err) {
      opts.log.error({ err }, 'workflow timer pass failed');
    }
  };
  const loop = () => {
    if (stopped) return;
    running = pass().finally(() => {
      running = null;
      if (!stopped) handle = setTimeout(loop, interval);
    });
  };
  handle = setTimeout(loop, interval);
  return {
    async stop() {
      stopped = true;
      if (handle) clearTimeout(handle);
      if (running) await running;
    },
  };
}

/** Timer lag figures (fired_at - due_at) for benchmarks and the operations view. */
export async function timerLagStats(ctx: Ctx, input: { since?: Date } = {}): Promise<{ count: number; p50: number | null; p99: number | null; max: number | null }> {
  const since = (input.since ?? new Date(0)).toISOString();
  const rows = await queryRows<{ n: string | number; p50: string | number | null; p99: string | number | null; max: string | number | null }>(
    ctx.db,
    sql`SELECT count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms) AS p99, max(lag_ms) AS max
        FROM workflow.timers WHERE status = 'fired' AND fired_at >= ${since}`,
  );
  const r = rows[0];
  const num = (v: string | number | null) => (v === null ? null : Number(v));
  return { count: Number(r?.n ?? 0), p50: num(r?.p50 ?? null), p99: num(r?.p99 ?? null), max: num(r?.max ?? null) };
}
