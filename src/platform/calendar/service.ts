/**
 * The calendar's database side: per-region overrides, declared years and working hours, and
 * loadCalendar() which reads the few rows that apply to a region and builds the pure calendar.
 * Changes need the `calendar.manage` scope within the region's subtree, are audited, and publish an
 * event in the same transaction.
 */
import { hasScope, regionVisible, type Ctx } from '../context.ts';
import { AppError, conflict, forbidden, notFound } from '../errors.ts';
import { inTransaction } from '../transaction.ts';
import { audit } from '../audit/chain.ts';
import { publish } from '../events/outbox.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import { applicablePrefixes, dayOfInstant, formatDay, regionPrefixOf, requireDay, requireRegionCode, yearOfDay } from './days.ts';
import {
  DEFAULT_WORKING_PERIODS,
  buildCalendar,
  formatPeriods,
  parseWorkingPeriods,
  type DayInfo,
  type DayOverrideRecord,
  type LoadedCalendar,
  type WorkingPeriod,
} from './calendar.ts';
import { statutoryData } from './statutory.ts';
import { CALENDAR_EVENTS, calendarEventRegistry } from './events.ts';

export const CALENDAR_MANAGE_SCOPE = 'calendar.manage';

/** Default region when none is given (the reference deployment's province). */
export const DEFAULT_REGION = '410000';

const MIN_YEAR = 1949;
const MAX_YEAR = 2200;
const MAX_LIST_DAYS = 400;

export interface DayOverride extends DayOverrideRecord {
  createdByName: string;
  createdAt: string;
  updatedByName: string;
  updatedAt: string;
}

export interface YearDeclaration {
  regionCode: string;
  year: number;
  note: string;
  declaredByName: string;
  declaredAt: string;
}

export interface WorkingHoursSetting {
  /** The region whose setting applies, or null for the default. */
  regionCode: string | null;
  periods: string;
  note: string;
  setByName: string | null;
  setAt: string | null;
}

interface OverrideRow {
  region_code: string;
  date: string;
  kind: 'workday' | 'holiday';
  name: string;
  reason: string;
  created_by_name: string;
  created_at: Date | string;
  updated_by_name: string;
  updated_at: Date | string;
}

interface YearRow {
  region_code: string;
  year: number | string;
  note: string;
  declared_by_name: string;
  declared_at: Date | string;
}

interface HoursRow {
  region_code: string;
  periods: string;
  note: string;
  set_by_name: string;
  set_at: Date | string;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

const toOverride = (r: OverrideRow): DayOverride => ({
  regionCode: r.region_code,
  date: r.date,
  kind: r.kind,
  name: r.name,
  reason: r.reason,
  createdByName: r.created_by_name,
  createdAt: iso(r.created_at),
  updatedByName: r.updated_by_name,
  updatedAt: iso(r.updated_at),
});

const toDeclaration = (r: YearRow): YearDeclaration => ({
  regionCode: r.region_code,
  year: Number(r.year),
  note: r.note,
  declaredByName: r.declared_by_name,
  declaredAt: iso(r.declared_at),
});

function fieldError(code: string, field: string, message: string): AppError {
  return new AppError({ code, status: 400, message, fields: [{ field, message }] });
}

function requireText(value: unknown, field: string, label: string, max: number): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) throw fieldError('validation_failed', field, `缺少必填项「${label}」`);
  if (text.length > max) throw fieldError('validation_failed', field, `「${label}」不能超过 ${max} 个字符`);
  return text;
}

function requireYear(value: unknown, field = 'year'): number {
  const year = typeof value === 'string' && /^\d{4}$/.test(value) ? Number(value) : value;
  if (typeof year !== 'number' || !Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) {
    throw fieldError('calendar_invalid_year', field, `年份「${String(value)}」无效, 应为 ${MIN_YEAR} 到 ${MAX_YEAR} 之间的整数`);
  }
  return year;
}

function requireDateInRange(value: string, field = 'date'): string {
  const day = requireDay(value, field);
  const year = yearOfDay(day);
  if (year < MIN_YEAR || year > MAX_YEAR) throw fieldError('calendar_invalid_date', field, `日期「${value}」超出范围 (${MIN_YEAR}–${MAX_YEAR} 年)`);
  return formatDay(day);
}

/** The actor must hold calendar.manage within the region's subtree. */
function requireManage(ctx: Ctx, regionCode: string): void {
  if (!hasScope(ctx.actor, CALENDAR_MANAGE_SCOPE)) throw forbidden('您没有维护工作日历的权限。');
  if (!regionVisible(ctx.actor, CALENDAR_MANAGE_SCOPE, regionCode)) {
    throw new AppError({ code: 'region_forbidden', status: 403, message: `行政区划 ${regionCode} 不在您的管辖范围内, 不能修改其工作日历。` });
  }
}

function actorFields(ctx: Ctx): { id: string | null; name: string } {
  return { id: ctx.actor.userId, name: ctx.actor.name };
}

// --- reading -----------------------------------------------------------------------------------

async function applicableRows(ctx: Ctx, regionCode: string): Promise<{ overrides: OverrideRow[]; years: YearRow[]; hours: HoursRow | undefined }> {
  const [p2, p4, p6] = [regionCode.slice(0, 2), regionCode.slice(0, 4), regionPrefixOf(regionCode)];
  const overrides = await queryRows<OverrideRow>(
    ctx.db,
    sql`SELECT region_code, date::text AS date, kind, name, reason, created_by_name, created_at, updated_by_name, updated_at
        FROM calendar.day_overrides WHERE region_prefix IN (${p2}, ${p4}, ${p6}) ORDER BY date, length(region_prefix)`,
  );
  const years = await queryRows<YearRow>(
    ctx.db,
    sql`SELECT region_code, year, note, declared_by_name, declared_at FROM calendar.known_years
        WHERE region_prefix IN (${p2}, ${p4}, ${p6}) ORDER BY year, length(region_prefix)`,
  );
  const hours = await queryOne<HoursRow>(
    ctx.db,
    sql`SELECT region_code, periods, note, set_by_name, set_at FROM calendar.working_hours
        WHERE region_prefix IN (${p2}, ${p4}, ${p6}) ORDER BY length(region_prefix) DESC LIMIT 1`,
  );
  return { overrides, years, hours };
}

/**
 * The working calendar of a region: statutory data, the overrides and declared years of the region
 * and the regions above it, its working hours. Reads a few rows once; the result is pure.
 */
export async function loadCalendar(ctx: Ctx, input: { regionCode: string }): Promise<LoadedCalendar> {
  const regionCode = requireRegionCode(input.regionCode);
  const rows = await applicableRows(ctx, regionCode);
  return buildCalendar({
    regionCode,
    overrides: rows.overrides.map(toOverride),
    declaredYears: rows.years.map((y) => Number(y.year)),
    workingPeriods: rows.hours ? parseWorkingPeriods(rows.hours.periods) : DEFAULT_WORKING_PERIODS,
  });
}

/** Each day of [from, to] (at most 400 days) as the region's calendar sees it; unknown years are marked, not refused. */
export async function listDays(ctx: Ctx, input: { regionCode: string; from: string; to: string }): Promise<DayInfo[]> {
  const from = requireDay(input.from, 'from');
  const to = requireDay(input.to, 'to');
  if (to < from) throw fieldError('calendar_invalid_range', 'to', '结束日期不能早于开始日期');
  if (to - from + 1 > MAX_LIST_DAYS) throw fieldError('calendar_invalid_range', 'to', `一次最多查询 ${MAX_LIST_DAYS} 天`);
  const cal = await loadCalendar(ctx, { regionCode: input.regionCode });
  const days: DayInfo[] = [];
  for (let d = from; d <= to; d += 1) days.push(cal.describeDay(formatDay(d)));
  return days;
}

export interface OverrideListItem extends DayOverride {
  /** true: applies to the region asked about (its own or an ancestor's); false: set for a region below it. */
  applies: boolean;
}

/**
 * Overrides that apply to `regionCode` (its own and its ancestors') and those set for regions in its
 * subtree; without a region, all. Optionally limited to one year.
 */
export async function listOverrides(ctx: Ctx, input: { regionCode?: string; year?: number } = {}): Promise<OverrideListItem[]> {
  const regionCode = input.regionCode === undefined ? undefined : requireRegionCode(input.regionCode, 'region');
  const year = input.year === undefined ? undefined : requireYear(input.year);
  const yearCond = year === undefined ? sql`true` : sql`date >= ${`${year}-01-01`}::date AND date <= ${`${year}-12-31`}::date`;
  let regionCond = sql`true`;
  if (regionCode) {
    const prefixes = applicablePrefixes(regionCode);
    regionCond = sql`(region_prefix IN (${sql.join(prefixes.map((p) => sql`${p}`), sql`, `)}) OR region_code LIKE ${`${regionPrefixOf(regionCode)}%`})`;
  }
  const rows = await queryRows<OverrideRow>(
    ctx.db,
    sql`SELECT region_code, date::text AS date, kind, name, reason, created_by_name, created_at, updated_by_name, updated_at
        FROM calendar.day_overrides WHERE ${regionCond} AND ${yearCond} ORDER BY date, length(region_prefix), region_code LIMIT 2000`,
  );
  return rows.map((r) => ({ ...toOverride(r), applies: regionCode ? regionCode.startsWith(regionPrefixOf(r.region_code)) : true }));
}

export interface KnownYears {
  source: string;
  packageYears: number[];
  /** Declarations applying to the region (its own and its ancestors'), or all without a region. */
  declarations: YearDeclaration[];
}

export async function listKnownYears(ctx: Ctx, input: { regionCode?: string } = {}): Promise<KnownYears> {
  const regionCode = input.regionCode === undefined ? undefined : requireRegionCode(input.regionCode, 'region');
  const cond = regionCode ? sql`region_prefix IN (${sql.join(applicablePrefixes(regionCode).map((p) => sql`${p}`), sql`, `)})` : sql`true`;
  const rows = await queryRows<YearRow>(
    ctx.db,
    sql`SELECT region_code, year, note, declared_by_name, declared_at FROM calendar.known_years WHERE ${cond} ORDER BY year, region_code`,
  );
  const data = statutoryData();
  return { source: data.source, packageYears: [...data.years].sort((a, b) => a - b), declarations: rows.map(toDeclaration) };
}

export async function getWorkingHours(ctx: Ctx, input: { regionCode: string }): Promise<WorkingHoursSetting> {
  const regionCode = requireRegionCode(input.regionCode, 'region');
  const { hours } = await applicableRows(ctx, regionCode);
  if (!hours) return { regionCode: null, periods: formatPeriods(DEFAULT_WORKING_PERIODS), note: '默认作息时间', setByName: null, setAt: null };
  return { regionCode: hours.region_code, periods: hours.periods, note: hours.note, setByName: hours.set_by_name, setAt: iso(hours.set_at) };
}

// --- changes -----------------------------------------------------------------------------------

export interface SetDayOverrideInput {
  regionCode: string;
  /** YYYY-MM-DD */
  date: string;
  kind: 'workday' | 'holiday';
  name: string;
  reason: string;
}

/** Sets (or replaces) the override of one day for a region and its subtree. */
export async function setDayOverride(ctx: Ctx, input: SetDayOverrideInput): Promise<DayOverride> {
  const regionCode = requireRegionCode(input.regionCode);
  const date = requireDateInRange(input.date);
  if (input.kind !== 'workday' && input.kind !== 'holiday') throw fieldError('validation_failed', 'kind', '「类型」应为 workday (上班) 或 holiday (休息)');
  const name = requireText(input.name, 'name', '名称', 50);
  const reason = requireText(input.reason, 'reason', '依据或原因', 500);
  requireManage(ctx, regionCode);
  return inTransaction(ctx, async (tctx) => {
    const who = actorFields(tctx);
    const now = tctx.clock.now().toISOString();
    const previous = await queryOne<OverrideRow>(
      tctx.db,
      sql`SELECT region_code, date::text AS date, kind, name, reason, created_by_name, created_at, updated_by_name, updated_at
          FROM calendar.day_overrides WHERE region_code = ${regionCode} AND date = ${date}::date FOR UPDATE`,
    );
    const row = await queryOne<OverrideRow>(
      tctx.db,
      sql`INSERT INTO calendar.day_overrides (region_code, region_prefix, date, kind, name, reason, created_by, created_by_name, created_at, updated_by, updated_by_name, updated_at)
          VALUES (${regionCode}, ${regionPrefixOf(regionCode)}, ${date}::date, ${input.kind}, ${name}, ${reason}, ${who.id}, ${who.name}, ${now}, ${who.id}, ${who.name}, ${now})
          ON CONFLICT (region_code, date) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, reason = EXCLUDED.reason,
            updated_by = EXCLUDED.updated_by, updated_by_name = EXCLUDED.updated_by_name, updated_at = EXCLUDED.updated_at
          RETURNING region_code, date::text AS date, kind, name, reason, created_by_name, created_at, updated_by_name, updated_at`,
    );
    const override = toOverride(row!);
    audit(tctx, {
      action: 'calendar.day_override.set',
      targetType: 'calendar.day_override',
      targetId: `${regionCode}:${date}`,
      targetLabel: `${regionCode} ${date} ${name}`,
      details: { regionCode, date, kind: input.kind, name, reason, previous: previous ? { kind: previous.kind, name: previous.name, reason: previous.reason } : null },
    });
    await publish(tctx, calendarEventRegistry(), {
      type: CALENDAR_EVENTS.dayOverrideSet,
      orderingKey: regionCode,
      payload: { regionCode, regionPrefix: regionPrefixOf(regionCode), date, kind: input.kind, name, affectsFrom: date },
    });
    return override;
  });
}

export async function removeDayOverride(ctx: Ctx, input: { regionCode: string; date: string; reason?: string }): Promise<DayOverride> {
  const regionCode = requireRegionCode(input.regionCode);
  const date = requireDateInRange(input.date);
  const reason = input.reason === undefined || input.reason.trim() === '' ? null : requireText(input.reason, 'reason', '原因', 500);
  requireManage(ctx, regionCode);
  return inTransaction(ctx, async (tctx) => {
    const row = await queryOne<OverrideRow>(
      tctx.db,
      sql`DELETE FROM calendar.day_overrides WHERE region_code = ${regionCode} AND date = ${date}::date
          RETURNING region_code, date::text AS date, kind, name, reason, created_by_name, created_at, updated_by_name, updated_at`,
    );
    if (!row) throw notFound('calendar_override_not_found', `行政区划 ${regionCode} 在 ${date} 没有日历调整。`);
    const removed = toOverride(row);
    audit(tctx, {
      action: 'calendar.day_override.remove',
      targetType: 'calendar.day_override',
      targetId: `${regionCode}:${date}`,
      targetLabel: `${regionCode} ${date} ${removed.name}`,
      details: { regionCode, date, removed: { kind: removed.kind, name: removed.name, reason: removed.reason }, reason },
    });
    await publish(tctx, calendarEventRegistry(), {
      type: CALENDAR_EVENTS.dayOverrideRemoved,
      orderingKey: regionCode,
      payload: { regionCode, regionPrefix: regionPrefixOf(regionCode), date, affectsFrom: date },
    });
    return removed;
  });
}

/**
 * Declares that a year's holidays (the State Council's notice, and any local ones) have been entered
 * as overrides for the region, so the year can be computed there. Entering overrides alone does not
 * make a year known: a year half entered must not pass for a complete one.
 */
export async function declareKnownYear(ctx: Ctx, input: { regionCode: string; year: number; note: string }): Promise<YearDeclaration> {
  const regionCode = requireRegionCode(input.regionCode);
  const year = requireYear(input.year);
  const note = requireText(input.note, 'note', '说明', 500);
  requireManage(ctx, regionCode);
  const data = statutoryData();
  if (data.years.has(year)) throw conflict('calendar_year_covered', `${year} 年的节假日安排已由数据包 (${data.source}) 收录, 无需声明; 个别日期请以日历调整更正。`);
  return inTransaction(ctx, async (tctx) => {
    const above = await queryOne<{ region_code: string }>(
      tctx.db,
      sql`SELECT region_code FROM calendar.known_years WHERE year = ${year} AND region_prefix IN (${sql.join(applicablePrefixes(regionCode).map((p) => sql`${p}`), sql`, `)}) LIMIT 1`,
    );
    if (above) {
      throw conflict('calendar_year_declared', above.region_code === regionCode ? `行政区划 ${regionCode} 已声明 ${year} 年。` : `${year} 年已由上级行政区划 ${above.region_code} 声明, 对本区划同样有效。`);
    }
    const who = actorFields(tctx);
    const row = await queryOne<YearRow>(
      tctx.db,
      sql`INSERT INTO calendar.known_years (region_code, region_prefix, year, declared_by, declared_by_name, declared_at, note)
          VALUES (${regionCode}, ${regionPrefixOf(regionCode)}, ${year}, ${who.id}, ${who.name}, ${tctx.clock.now().toISOString()}, ${note})
          ON CONFLICT (region_code, year) DO NOTHING
          RETURNING region_code, year, note, declared_by_name, declared_at`,
    );
    if (!row) throw conflict('calendar_year_declared', `行政区划 ${regionCode} 已声明 ${year} 年。`);
    const overrides = await queryOne<{ n: string | number }>(
      tctx.db,
      sql`SELECT count(*) AS n FROM calendar.day_overrides
          WHERE region_prefix IN (${sql.join(applicablePrefixes(regionCode).map((p) => sql`${p}`), sql`, `)})
            AND date >= ${`${year}-01-01`}::date AND date <= ${`${year}-12-31`}::date`,
    );
    audit(tctx, {
      action: 'calendar.known_year.declare',
      targetType: 'calendar.known_year',
      targetId: `${regionCode}:${year}`,
      targetLabel: `${regionCode} ${year} 年`,
      details: { regionCode, year, note, overridesInYear: Number(overrides?.n ?? 0) },
    });
    await publish(tctx, calendarEventRegistry(), {
      type: CALENDAR_EVENTS.yearDeclared,
      orderingKey: regionCode,
      payload: { regionCode, regionPrefix: regionPrefixOf(regionCode), year, affectsFrom: `${year}-01-01` },
    });
    return toDeclaration(row);
  });
}

/** Withdraws a declaration made in error: the year is unknown again for the region (overrides stay). */
export async function revokeKnownYear(ctx: Ctx, input: { regionCode: string; year: number; reason: string }): Promise<YearDeclaration> {
  const regionCode = requireRegionCode(input.regionCode);
  const year = requireYear(input.year);
  const reason = requireText(input.reason, 'reason', '原因', 500);
  requireManage(ctx, regionCode);
  return inTransaction(ctx, async (tctx) => {
    const row = await queryOne<YearRow>(
      tctx.db,
      sql`DELETE FROM calendar.known_years WHERE region_code = ${regionCode} AND year = ${year}
          RETURNING region_code, year, note, declared_by_name, declared_at`,
    );
    if (!row) throw notFound('calendar_year_not_declared', `行政区划 ${regionCode} 没有声明 ${year} 年。`);
    audit(tctx, {
      action: 'calendar.known_year.revoke',
      targetType: 'calendar.known_year',
      targetId: `${regionCode}:${year}`,
      targetLabel: `${regionCode} ${year} 年`,
      details: { regionCode, year, reason, note: row.note },
    });
    await publish(tctx, calendarEventRegistry(), {
      type: CALENDAR_EVENTS.yearRevoked,
      orderingKey: regionCode,
      payload: { regionCode, regionPrefix: regionPrefixOf(regionCode), year, affectsFrom: `${year}-01-01` },
    });
    return toDeclaration(row);
  });
}

/** Sets the working periods of a region and its subtree, e.g. `09:00-12:00,13:30-17:30`. */
export async function setWorkingHours(ctx: Ctx, input: { regionCode: string; periods: string; note?: string }): Promise<WorkingHoursSetting> {
  const regionCode = requireRegionCode(input.regionCode);
  const periods: WorkingPeriod[] = parseWorkingPeriods(input.periods);
  const text = formatPeriods(periods);
  const note = input.note === undefined || input.note.trim() === '' ? '' : requireText(input.note, 'note', '说明', 500);
  requireManage(ctx, regionCode);
  return inTransaction(ctx, async (tctx) => {
    const who = actorFields(tctx);
    const now = tctx.clock.now().toISOString();
    const previous = await queryOne<HoursRow>(tctx.db, sql`SELECT region_code, periods, note, set_by_name, set_at FROM calendar.working_hours WHERE region_code = ${regionCode} FOR UPDATE`);
    await tctx.db.execute(sql`
      INSERT INTO calendar.working_hours (region_code, region_prefix, periods, set_by, set_by_name, set_at, note)
      VALUES (${regionCode}, ${regionPrefixOf(regionCode)}, ${text}, ${who.id}, ${who.name}, ${now}, ${note})
      ON CONFLICT (region_code) DO UPDATE SET periods = EXCLUDED.periods, set_by = EXCLUDED.set_by, set_by_name = EXCLUDED.set_by_name,
        set_at = EXCLUDED.set_at, note = EXCLUDED.note`);
    audit(tctx, {
      action: 'calendar.working_hours.set',
      targetType: 'calendar.working_hours',
      targetId: regionCode,
      targetLabel: `${regionCode} 工作时间`,
      details: { regionCode, periods: text, note, previous: previous?.periods ?? null },
    });
    await publish(tctx, calendarEventRegistry(), {
      type: CALENDAR_EVENTS.workingHoursSet,
      orderingKey: regionCode,
      payload: { regionCode, regionPrefix: regionPrefixOf(regionCode), periods: text, affectsFrom: chinaDate(tctx.clock.now()) },
    });
    return { regionCode, periods: text, note, setByName: who.name, setAt: now };
  });
}

/** Removes a region's own working hours: the setting above it (or the default) applies again. */
export async function removeWorkingHours(ctx: Ctx, input: { regionCode: string }): Promise<void> {
  const regionCode = requireRegionCode(input.regionCode);
  requireManage(ctx, regionCode);
  await inTransaction(ctx, async (tctx) => {
    const row = await queryOne<HoursRow>(tctx.db, sql`DELETE FROM calendar.working_hours WHERE region_code = ${regionCode} RETURNING region_code, periods, note, set_by_name, set_at`);
    if (!row) throw notFound('calendar_working_hours_not_set', `行政区划 ${regionCode} 没有单独设置工作时间。`);
    audit(tctx, {
      action: 'calendar.working_hours.remove',
      targetType: 'calendar.working_hours',
      targetId: regionCode,
      targetLabel: `${regionCode} 工作时间`,
      details: { regionCode, removed: row.periods },
    });
    await publish(tctx, calendarEventRegistry(), {
      type: CALENDAR_EVENTS.workingHoursRemoved,
      orderingKey: regionCode,
      payload: { regionCode, regionPrefix: regionPrefixOf(regionCode), affectsFrom: chinaDate(tctx.clock.now()) },
    });
  });
}

/** `YYYY-MM-DD` of an instant in UTC+8 (today, for pages). */
export function chinaDate(instant: Date): string {
  return formatDay(dayOfInstant(instant));
}
