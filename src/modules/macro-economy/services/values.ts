/**
 * Indicator values by region and period. One current value per indicator/region/period; a
 * different new value supersedes it and the old one moves to `revisions` with who recorded it,
 * when and why, and who superseded it, when and why (a revision must state its reason). Reads
 * and writes are bounded by the region subtree where the actor holds macro.read / macro.value.write.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope, regionPrefixesFor, regionVisible } from '../../../platform/context.ts';
import { badRequest, forbidden, type FieldProblem } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import type { SQL } from 'drizzle-orm';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { getRegion, listRegions } from '../../directory/index.ts';
import { EVENTS, SCOPES, iso, periodProblem } from '../model.ts';
import { indicatorNotFound, loadIndicator } from './indicators.ts';

export function regionCondition(column: SQL, prefixes: string[]): SQL {
  if (prefixes.includes('')) return sql`true`;
  if (prefixes.length === 0) return sql`false`;
  return sql`(${sql.join(prefixes.map((p) => sql`${column} LIKE ${`${p}%`}`), sql` OR `)})`;
}

interface ObservationRow {
  indicator_code: string;
  region_code: string;
  period: string;
  value: string | number;
  note: string;
  revision: number;
  reason: string;
  recorded_by_name: string;
  recorded_at: Date | string;
  import_job_id: string | null;
  is_demo: boolean;
}

export interface Observation {
  indicatorCode: string;
  regionCode: string;
  regionName: string;
  period: string;
  /** Decimal as text (numeric; no binary rounding). */
  value: string;
  note: string;
  revision: number;
  reason: string;
  recordedByName: string;
  recordedAt: string;
  importJobId: string | null;
  isDemo: boolean;
}

const regionNames = async (ctx: Ctx): Promise<Map<string, string>> => new Map((await listRegions(ctx, { includeInactive: true })).map((r) => [r.code, r.name]));

const toObservation = (r: ObservationRow, names: Map<string, string>): Observation => ({
  indicatorCode: r.indicator_code,
  regionCode: r.region_code,
  regionName: names.get(r.region_code) ?? r.region_code,
  period: r.period,
  value: String(r.value),
  note: r.note,
  revision: Number(r.revision),
  reason: r.reason,
  recordedByName: r.recorded_by_name,
  recordedAt: iso(r.recorded_at),
  importJobId: r.import_job_id,
  isDemo: r.is_demo,
});

/** Plain decimal text: optional minus, digits, optional fraction; thousands separators removed. */
export function parseDecimal(text: string): string | null {
  const t = text.trim().replace(/[,，\s]/g, '');
  if (!/^-?\d{1,15}(\.\d{1,6})?$/.test(t)) return null;
  return t.replace(/^(-?)0+(?=\d)/, '$1');
}

export interface RecordInput {
  indicatorCode: string;
  regionCode: string;
  period: string;
  /** Decimal as text or number. */
  value: string | number;
  note?: string;
  /** Why: required when the value supersedes an existing one. */
  reason?: string;
  isDemo?: boolean;
}

export interface RecordResult {
  outcome: 'inserted' | 'revised' | 'unchanged';
  observation: Observation;
}

export async function recordValue(ctx: Ctx, input: RecordInput): Promise<RecordResult> {
  if (!hasScope(ctx.actor, SCOPES.valueWrite)) throw forbidden();
  const problems: FieldProblem[] = [];
  const value = parseDecimal(String(input.value));
  if (value === null) problems.push({ field: 'value', message: '「数值」应为数字 (最多 15 位整数、6 位小数)' });
  const indicator = await loadIndicator(ctx, input.indicatorCode);
  if (!indicator) throw indicatorNotFound();
  const pp = periodProblem(indicator.frequency, input.period.trim());
  if (pp) problems.push({ field: 'period', message: pp });
  const region = await getRegion(ctx, input.regionCode);
  if (!region) problems.push({ field: 'regionCode', message: `行政区划代码 ${input.regionCode} 不存在` });
  if (problems.length) throw badRequest('validation_failed', problems.map((p) => p.message).join('; '), problems);
  if (!regionVisible(ctx.actor, SCOPES.valueWrite, input.regionCode)) throw forbidden('您不能录入其他辖区的数据。');
  const period = input.period.trim();
  const note = input.note?.trim() ?? '';
  const reason = input.reason?.trim() ?? '';
  return inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    const current = await queryOne<ObservationRow & { recorded_by_user_id: string | null }>(
      tctx.db,
      sql`SELECT * FROM macro_economy.observations WHERE indicator_code = ${indicator.code} AND region_code = ${input.regionCode} AND period = ${period} FOR UPDATE`,
    );
    let outcome: RecordResult['outcome'];
    if (!current) {
      await tctx.db.execute(sql`INSERT INTO macro_economy.observations (indicator_code, region_code, period, value, note, revision, reason, recorded_by_user_id, recorded_by_name, recorded_at, is_demo)
        VALUES (${indicator.code}, ${input.regionCode}, ${period}, ${value}::numeric, ${note}, 1, ${reason || '首次录入'}, ${tctx.actor.userId}, ${tctx.actor.name}, ${now}, ${input.isDemo ?? false})`);
      outcome = 'inserted';
    } else {
      const same = await queryOne<{ same: boolean }>(tctx.db, sql`SELECT (${current.value}::numeric = ${value}::numeric) AS same`);
      if (same?.same && current.note === note) outcome = 'unchanged';
      else {
        if (!reason) throw badRequest('validation_failed', '修订已有数据时须说明修订原因', [{ field: 'reason', message: '请填写修订原因' }]);
        await tctx.db.execute(sql`INSERT INTO macro_economy.revisions (id, indicator_code, region_code, period, revision, value, note, reason, recorded_by_user_id, recorded_by_name, recorded_at, import_job_id, superseded_at, superseded_by_name, superseded_reason)
          VALUES (${newId()}, ${current.indicator_code}, ${current.region_code}, ${current.period}, ${current.revision}, ${current.value}::numeric, ${current.note}, ${current.reason},
            ${current.recorded_by_user_id}, ${current.recorded_by_name}, ${iso(current.recorded_at)}, ${current.import_job_id}, ${now}, ${tctx.actor.name}, ${reason})`);
        await tctx.db.execute(sql`UPDATE macro_economy.observations SET value = ${value}::numeric, note = ${note}, revision = revision + 1, reason = ${reason},
          recorded_by_user_id = ${tctx.actor.userId}, recorded_by_name = ${tctx.actor.name}, recorded_at = ${now}, import_job_id = NULL
          WHERE indicator_code = ${indicator.code} AND region_code = ${input.regionCode} AND period = ${period}`);
        outcome = 'revised';
      }
    }
    const row = (await queryOne<ObservationRow>(tctx.db, sql`SELECT * FROM macro_economy.observations WHERE indicator_code = ${indicator.code} AND region_code = ${input.regionCode} AND period = ${period}`))!;
    if (outcome !== 'unchanged') {
      const key = `${indicator.code}/${input.regionCode}/${period}`;
      audit(tctx, {
        action: outcome === 'inserted' ? 'macro.value.record' : 'macro.value.revise',
        targetType: 'macro.observation',
        targetId: key,
        targetLabel: `${indicator.name} ${region!.name} ${period}`,
        details: { value, note, reason, ...(current ? { previous: String(current.value), previousRevision: Number(current.revision) } : {}) },
      });
      await publish(tctx, {
        type: EVENTS.valueRecorded,
        orderingKey: key,
        payload: { indicatorCode: indicator.code, regionCode: input.regionCode, period, value, unit: indicator.unit, revision: Number(row.revision), previous: current ? String(current.value) : null, reason },
      });
    }
    return { outcome, observation: toObservation(row, new Map([[region!.code, region!.name]])) };
  });
}

export interface SeriesQuery {
  indicatorCode: string;
  regionCodes?: string[];
  from?: string;
  to?: string;
  limit?: number;
}

/** Current values of one indicator, for the regions (default: all visible) and the period range, by region then period. */
export async function listValues(ctx: Ctx, input: SeriesQuery): Promise<Observation[]> {
  const indicator = await loadIndicator(ctx, input.indicatorCode);
  if (!indicator) throw indicatorNotFound();
  const prefixes = regionPrefixesFor(ctx.actor, SCOPES.read);
  const codes = input.regionCodes?.filter((c) => /^\d{6}$/.test(c)) ?? [];
  const rows = await queryRows<ObservationRow>(
    ctx.db,
    sql`SELECT * FROM macro_economy.observations WHERE indicator_code = ${indicator.code} AND ${regionCondition(sql`region_code`, prefixes)}
      ${codes.length ? sql`AND region_code IN ${codes}` : sql``}
      AND (${input.from ?? null}::text IS NULL OR period >= ${input.from ?? null}) AND (${input.to ?? null}::text IS NULL OR period <= ${input.to ?? null})
      ORDER BY region_code, period LIMIT ${Math.max(1, Math.min(input.limit ?? 10_000, 100_000))}`,
  );
  const names = await regionNames(ctx);
  return rows.map((r) => toObservation(r, names));
}

export interface HistoryEntry {
  revision: number;
  value: string;
  note: string;
  reason: string;
  recordedByName: string;
  recordedAt: string;
  supersededAt: string | null;
  supersededByName: string | null;
  supersededReason: string | null;
}

/** The current value and every value it superseded, newest first. */
export async function valueHistory(ctx: Ctx, input: { indicatorCode: string; regionCode: string; period: string }): Promise<HistoryEntry[]> {
  if (!regionVisible(ctx.actor, SCOPES.read, input.regionCode)) return [];
  const current = await queryOne<ObservationRow>(ctx.db, sql`SELECT * FROM macro_economy.observations WHERE indicator_code = ${input.indicatorCode} AND region_code = ${input.regionCode} AND period = ${input.period}`);
  const old = await queryRows<{ revision: number; value: string; note: string; reason: string; recorded_by_name: string; recorded_at: Date | string; superseded_at: Date | string; superseded_by_name: string; superseded_reason: string }>(
    ctx.db,
    sql`SELECT * FROM macro_economy.revisions WHERE indicator_code = ${input.indicatorCode} AND region_code = ${input.regionCode} AND period = ${input.period} ORDER BY revision DESC`,
  );
  const out: HistoryEntry[] = [];
  if (current) out.push({ revision: Number(current.revision), value: String(current.value), note: current.note, reason: current.reason, recordedByName: current.recorded_by_name, recordedAt: iso(current.recorded_at), supersededAt: null, supersededByName: null, supersededReason: null });
  for (const r of old) out.push({ revision: Number(r.revision), value: String(r.value), note: r.note, reason: r.reason, recordedByName: r.recorded_by_name, recordedAt: iso(r.recorded_at), supersededAt: iso(r.superseded_at), supersededByName: r.superseded_by_name, supersededReason: r.superseded_reason });
  return out;
}

/** Periods that have values for the indicator (visible regions), newest first. */
export async function periodsOf(ctx: Ctx, input: { indicatorCode: string }): Promise<string[]> {
  const prefixes = regionPrefixesFor(ctx.actor, SCOPES.read);
  const rows = await queryRows<{ period: string }>(ctx.db, sql`SELECT DISTINCT period FROM macro_economy.observations WHERE indicator_code = ${input.indicatorCode} AND ${regionCondition(sql`region_code`, prefixes)} ORDER BY period DESC LIMIT 500`);
  return rows.map((r) => r.period);
}

/** Values of one period across the child regions of `parentCode` (default the province), for comparison. */
export async function compareRegions(ctx: Ctx, input: { indicatorCode: string; period: string; parentCode?: string }): Promise<Observation[]> {
  const indicator = await loadIndicator(ctx, input.indicatorCode);
  if (!indicator) throw indicatorNotFound();
  const children = await listRegions(ctx, { parentCode: input.parentCode ?? '410000' });
  if (children.length === 0) return [];
  const prefixes = regionPrefixesFor(ctx.actor, SCOPES.read);
  const rows = await queryRows<ObservationRow>(
    ctx.db,
    sql`SELECT * FROM macro_economy.observations WHERE indicator_code = ${indicator.code} AND period = ${input.period}
      AND region_code IN ${children.map((c) => c.code)} AND ${regionCondition(sql`region_code`, prefixes)} ORDER BY region_code`,
  );
  const names = new Map(children.map((c) => [c.code, c.name]));
  return rows.map((r) => toObservation(r, names));
}

export interface RevisionItem {
  regionCode: string;
  regionName: string;
  period: string;
  revision: number;
  value: string;
  recordedByName: string;
  recordedAt: string;
  supersededAt: string;
  supersededByName: string;
  supersededReason: string;
}

/** The latest superseded values of an indicator in the actor's regions. */
export async function recentRevisions(ctx: Ctx, input: { indicatorCode: string; limit?: number }): Promise<RevisionItem[]> {
  const prefixes = regionPrefixesFor(ctx.actor, SCOPES.read);
  const rows = await queryRows<{ region_code: string; period: string; revision: number; value: string; recorded_by_name: string; recorded_at: Date | string; superseded_at: Date | string; superseded_by_name: string; superseded_reason: string }>(
    ctx.db,
    sql`SELECT * FROM macro_economy.revisions WHERE indicator_code = ${input.indicatorCode} AND ${regionCondition(sql`region_code`, prefixes)} ORDER BY superseded_at DESC, revision DESC LIMIT ${input.limit ?? 50}`,
  );
  const names = await regionNames(ctx);
  return rows.map((r) => ({
    regionCode: r.region_code,
    regionName: names.get(r.region_code) ?? r.region_code,
    period: r.period,
    revision: Number(r.revision),
    value: String(r.value),
    recordedByName: r.recorded_by_name,
    recordedAt: iso(r.recorded_at),
    supersededAt: iso(r.superseded_at),
    supersededByName: r.superseded_by_name,
    supersededReason: r.superseded_reason,
  }));
}
