/**
 * Statistics per definition and handling unit, computed by SQL aggregates over workflow.cases and
 * bounded by the region subtrees where the actor holds workflow.stats.read.
 */
import type { Ctx } from '../context.ts';
import { regionPrefixesFor } from '../context.ts';
import { badRequest } from '../errors.ts';
import { queryRows, sql } from '../db/index.ts';
import type { SQL } from 'drizzle-orm';
import { findDefinition, latestDefinition } from './registry.ts';
import { WORKFLOW_SCOPES } from './model.ts';
import { isCalendarDay } from './fields.ts';

export interface StatsRow {
  definitionKey: string;
  definitionTitle: string;
  unitId: string | null;
  unitName: string | null;
  /** Cases started (受理). */
  received: number;
  /** Reached a terminal state (办结). */
  closed: number;
  /** Closed without any step passing its deadline (按期办结). */
  closedOnTime: number;
  /** Open and past the current step's deadline (超期未办结). */
  overdue: number;
  withdrawn: number;
  /** Mean working days start → close, pauses excluded (closed cases); null without closed cases. */
  averageWorkingDays: number | null;
}

export interface StatsFilter {
  definitionKey?: string;
  /** Cases started on or after this day (YYYY-MM-DD, China time). */
  from?: string;
  to?: string;
}


export async function workflowStats(ctx: Ctx, input: StatsFilter = {}): Promise<{ rows: StatsRow[]; totals: Omit<StatsRow, 'definitionKey' | 'definitionTitle' | 'unitId' | 'unitName'> }> {
  for (const [k, label] of [['from', '受理起始日期'], ['to', '受理截止日期']] as const) {
    if (input[k] && !isCalendarDay(input[k]!)) throw badRequest('validation_failed', `「${label}」应为日期 (年-月-日)`, [{ field: k, message: `「${label}」应为日期 (年-月-日)` }]);
  }
  const prefixes = regionPrefixesFor(ctx.actor, WORKFLOW_SCOPES.statsRead);
  const empty = { received: 0, closed: 0, closedOnTime: 0, overdue: 0, withdrawn: 0, averageWorkingDays: null };
  if (prefixes.length === 0) return { rows: [], totals: empty };
  const where: SQL[] = [sql`(${sql.join(prefixes.map((p) => sql`c.region_code LIKE ${`${p}%`}`), sql` OR `)})`];
  if (input.definitionKey) where.push(sql`c.definition_key = ${input.definitionKey}`);
  if (input.from) where.push(sql`c.started_at >= ${new Date(`${input.from}T00:00:00+08:00`).toISOString()}`);
  if (input.to) where.push(sql`c.started_at < ${new Date(`${input.to}T00:00:00+08:00`).toISOString()}::timestamptz + interval '1 day'`);
  const now = ctx.clock.now().toISOString();
  const rows = await queryRows<{
    definition_key: string; unit_id: string | null; unit_name: string | null; received: string | number; closed: string | number; closed_on_time: string | number;
    overdue: string | number; withdrawn: string | number; avg_days: string | number | null;
  }>(
    ctx.db,
    sql`SELECT c.definition_key, c.candidate_unit_id AS unit_id, max(c.candidate_unit_name) AS unit_name,
          count(*) AS received,
          count(*) FILTER (WHERE c.status = 'closed') AS closed,
          count(*) FILTER (WHERE c.status = 'closed' AND NOT c.late) AS closed_on_time,
          count(*) FILTER (WHERE c.status = 'open' AND c.deadline_at < ${now}) AS overdue,
          count(*) FILTER (WHERE c.status = 'withdrawn') AS withdrawn,
          avg(c.handling_working_days) FILTER (WHERE c.status = 'closed') AS avg_days
        FROM workflow.cases c WHERE ${sql.join(where, sql` AND `)}
        GROUP BY c.definition_key, c.candidate_unit_id
        ORDER BY c.definition_key, max(c.candidate_unit_name), c.candidate_unit_id`,
  );
  const round = (v: number) => Math.round(v * 100) / 100;
  const out: StatsRow[] = rows.map((r) => ({
    definitionKey: r.definition_key,
    definitionTitle: latestDefinition(r.definition_key)?.title ?? findDefinition(r.definition_key, 1)?.title ?? r.definition_key,
    unitId: r.unit_id,
    unitName: r.unit_name,
    received: Number(r.received),
    closed: Number(r.closed),
    closedOnTime: Number(r.closed_on_time),
    overdue: Number(r.overdue),
    withdrawn: Number(r.withdrawn),
    averageWorkingDays: r.avg_days === null ? null : round(Number(r.avg_days)),
  }));
  // Totals: counts add up; the mean is weighted by closed cases.
  const closed = out.reduce((s, r) => s + r.closed, 0);
  const weighted = rows.reduce((s, r) => s + (r.avg_days === null ? 0 : Number(r.avg_days) * Number(r.closed)), 0);
  return {
    rows: out,
    totals: {
      received: out.reduce((s, r) => s + r.received, 0),
      closed,
      closedOnTime: out.reduce((s, r) => s + r.closedOnTime, 0),
      overdue: out.reduce((s, r) => s + r.overdue, 0),
      withdrawn: out.reduce((s, r) => s + r.withdrawn, 0),
      averageWorkingDays: closed > 0 ? round(weighted / closed) : null,
    },
  };
}
