/**
 * Read side of the console: live status of the points, series for the charts, emission totals,
 * reduction statistics, transmission rates and the monthly tax base. Region-bounded by environment.read.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryRows, sql } from '../../../platform/db/index.ts';
import { badRequest } from '../../../platform/errors.ts';
import { MISSING_INTERVALS, POLLUTANTS, SCOPES, dayStart, iso, type Medium } from '../model.ts';
import { rates, type Rates } from './calc.ts';
import { getPoint, regionFilter, type Point } from './registry.ts';
import { outletTax, type TaxItem } from './tax.ts';

/** Prefecture-level region of a county or city code (Jiyuan 419001 is its own). */
export const cityOf = (regionCode: string): string => (regionCode.startsWith('4190') ? regionCode : `${regionCode.slice(0, 4)}00`);

export type LiveStatus = 'online' | 'offline' | 'alarm';
export const LIVE_STATUS_LABELS: Record<LiveStatus, string> = { online: '在线', offline: '离线', alarm: '报警' };

export interface PointStatus {
  pointId: string;
  mn: string;
  enterpriseId: string;
  enterpriseName: string;
  outletCode: string;
  medium: Medium;
  regionCode: string;
  cityCode: string;
  longitude: number | null;
  latitude: number | null;
  lastDataAt: string | null;
  activeAlarms: number;
  status: LiveStatus;
  isDemo: boolean;
}

export async function pointStatuses(ctx: Ctx, filter: { regionPrefix?: string } = {}): Promise<PointStatus[]> {
  const visible = regionFilter(ctx, SCOPES.read, sql.raw('p.region_code'));
  const prefix = filter.regionPrefix && /^\d{2,6}$/.test(filter.regionPrefix) ? `${filter.regionPrefix}%` : null;
  const horizon = new Date(ctx.clock.now().getTime() - 3 * 86400_000).toISOString();
  const rows = await queryRows<{ id: string; mn: string; enterprise_id: string; enterprise_name: string; outlet_code: string; medium: Medium; region_code: string; longitude: number | null; latitude: number | null; rtd_interval_s: number; last: string | Date | null; alarms: number; is_demo: boolean }>(
    ctx.db,
    sql`SELECT p.id, p.mn, e.id AS enterprise_id, e.name AS enterprise_name, o.code AS outlet_code, p.medium, p.region_code, e.longitude, e.latitude, p.rtd_interval_s, p.is_demo,
      (SELECT max(r.received_at) FROM environment.readings r WHERE r.point_id = p.id AND r.kind IN ('rtd', 'min') AND r.data_time >= ${horizon}) AS last,
      (SELECT count(*)::int FROM environment.alarms a WHERE a.point_id = p.id AND a.status <> 'resolved') AS alarms
      FROM environment.points p JOIN environment.outlets o ON o.id = p.outlet_id JOIN environment.enterprises e ON e.id = o.enterprise_id
      WHERE p.status = 'active' AND ${visible} AND (${prefix}::text IS NULL OR p.region_code LIKE ${prefix})
      ORDER BY p.region_code, e.name, o.code LIMIT 5000`,
  );
  const now = ctx.clock.now().getTime();
  return rows.map((r) => {
    const last = r.last ? new Date(r.last).getTime() : null;
    const offline = last === null || now - last > MISSING_INTERVALS * r.rtd_interval_s * 1000;
    return {
      pointId: r.id,
      mn: r.mn,
      enterpriseId: r.enterprise_id,
      enterpriseName: r.enterprise_name,
      outletCode: r.outlet_code,
      medium: r.medium,
      regionCode: r.region_code,
      cityCode: cityOf(r.region_code),
      longitude: r.longitude,
      latitude: r.latitude,
      lastDataAt: last === null ? null : new Date(last).toISOString(),
      activeAlarms: Number(r.alarms),
      status: offline ? 'offline' : Number(r.alarms) > 0 ? 'alarm' : 'online',
      isDemo: r.is_demo,
    };
  });
}

export interface Series {
  pollutant: string;
  points: [string, number | null][];
}

export interface PointSeries {
  point: Point;
  realtime: Series[];
  hourly: (Series & { converted: boolean; flags: string[] })[];
  limits: Record<string, { max: number | null; min: number | null }>;
}

/** Real-time values of the last `hours` hours and hourly values of the last `days` days (converted concentrations for flue gas). */
export async function pointSeries(ctx: Ctx, input: { pointId: string; hours?: number; days?: number }): Promise<PointSeries> {
  const point = await getPoint(ctx, input.pointId);
  const now = ctx.clock.now().getTime();
  const rtFrom = new Date(now - Math.min(input.hours ?? 6, 48) * 3600_000).toISOString();
  const hFrom = new Date(now - Math.min(input.days ?? 2, 31) * 86400_000).toISOString();
  const rt = await queryRows<{ data_time: string | Date; vals: Record<string, { rtd?: number; avg?: number }> }>(
    ctx.db,
    sql`SELECT data_time, vals FROM environment.readings WHERE point_id = ${point.id} AND kind = 'rtd' AND data_time >= ${rtFrom} ORDER BY data_time LIMIT 6000`,
  );
  const hourly = await queryRows<{ hour_start: string | Date; pollutant: string; avg: number | null; zs_avg: number | null; flag: string }>(
    ctx.db,
    sql`SELECT hour_start, pollutant, avg, zs_avg, flag FROM environment.hourly WHERE point_id = ${point.id} AND hour_start >= ${hFrom} ORDER BY hour_start`,
  );
  const limits = await queryRows<{ pollutant: string; limit_max: number | null; limit_min: number | null }>(ctx.db, sql`SELECT pollutant, limit_max, limit_min FROM environment.outlet_limits WHERE outlet_id = ${point.outletId}`);
  const codes = point.pollutants;
  const realtime = codes.map((c) => ({ pollutant: c, points: rt.map((r) => [iso(r.data_time), r.vals[c]?.rtd ?? null] as [string, number | null]).filter((p) => p[1] !== null) }));
  const hourlySeries = codes.map((c) => {
    const hs = hourly.filter((h) => h.pollutant === c);
    const converted = point.medium === 'air' && hs.some((h) => h.zs_avg !== null);
    return { pollutant: c, converted, flags: hs.map((h) => h.flag), points: hs.map((h) => [iso(h.hour_start), converted ? h.zs_avg : h.avg] as [string, number | null]) };
  });
  return { point, realtime, hourly: hourlySeries, limits: Object.fromEntries(limits.map((l) => [l.pollutant, { max: l.limit_max, min: l.limit_min }])) };
}

// --- months ------------------------------------------------------------------------------------

export function monthRange(month: string): { from: string; to: string; days: number } {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw badRequest('month_invalid', '月份格式应为 YYYY-MM', [{ field: 'month', message: '月份格式应为 YYYY-MM' }]);
  const [y, m] = month.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  const days = Math.round((dayStart(`${next}-01`).getTime() - dayStart(`${month}-01`).getTime()) / 86400_000);
  return { from: `${month}-01`, to: `${next}-01`, days };
}

export function previousYearMonth(month: string): string {
  return `${Number(month.slice(0, 4)) - 1}${month.slice(4)}`;
}

// --- emissions -----------------------------------------------------------------------------------

export interface EmissionRow {
  key: string;
  label: string;
  regionCode: string;
  pollutant: string;
  kg: number;
}

export type EmissionGroup = 'city' | 'enterprise' | 'outlet' | 'day';

/** Emission totals (kg) of the month per pollutant, grouped by city, enterprise, outlet or day (sums of valid daily emissions). */
export async function emissionTotals(ctx: Ctx, input: { month: string; groupBy: EmissionGroup; regionPrefix?: string; enterpriseId?: string }): Promise<EmissionRow[]> {
  const { from, to } = monthRange(input.month);
  const visible = regionFilter(ctx, SCOPES.read, sql.raw('p.region_code'));
  const prefix = input.regionPrefix && /^\d{2,6}$/.test(input.regionPrefix) ? `${input.regionPrefix}%` : null;
  const ent = input.enterpriseId && /^[0-9a-f-]{36}$/i.test(input.enterpriseId) ? input.enterpriseId : null;
  const rows = await queryRows<{ outlet_id: string; outlet_code: string; enterprise_id: string; enterprise_name: string; region_code: string; day: string | Date; pollutant: string; kg: number }>(
    ctx.db,
    sql`SELECT o.id AS outlet_id, o.code AS outlet_code, e.id AS enterprise_id, e.name AS enterprise_name, p.region_code, d.day, d.pollutant, sum(d.cou) AS kg
      FROM environment.daily d JOIN environment.points p ON p.id = d.point_id JOIN environment.outlets o ON o.id = p.outlet_id JOIN environment.enterprises e ON e.id = o.enterprise_id
      WHERE d.day >= ${from}::date AND d.day < ${to}::date AND d.cou IS NOT NULL AND ${visible}
        AND (${prefix}::text IS NULL OR p.region_code LIKE ${prefix}) AND (${ent}::uuid IS NULL OR e.id = ${ent})
      GROUP BY o.id, o.code, e.id, e.name, p.region_code, d.day, d.pollutant`,
  );
  const acc = new Map<string, EmissionRow>();
  for (const r of rows) {
    if (POLLUTANTS[r.pollutant]?.parameter) continue;
    const day = typeof r.day === 'string' ? r.day.slice(0, 10) : new Date(r.day.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const [key, label, region] =
      input.groupBy === 'city' ? [cityOf(r.region_code), cityOf(r.region_code), cityOf(r.region_code)]
        : input.groupBy === 'enterprise' ? [r.enterprise_id, r.enterprise_name, r.region_code]
          : input.groupBy === 'outlet' ? [r.outlet_id, `${r.enterprise_name} ${r.outlet_code}`, r.region_code]
            : [day, day, ''];
    const k = `${key}|${r.pollutant}`;
    const cur = acc.get(k) ?? { key, label, regionCode: region, pollutant: r.pollutant, kg: 0 };
    cur.kg += Number(r.kg);
    acc.set(k, cur);
  }
  return [...acc.values()].sort((a, b) => a.key.localeCompare(b.key) || a.pollutant.localeCompare(b.pollutant));
}

export interface ReductionRow {
  cityCode: string;
  pollutant: string;
  kg: number;
  previousKg: number;
  /** (previous − current) / previous; null without a previous figure. */
  reduction: number | null;
}

/** Pollution reduction per city: the month's emissions against the same month a year before. */
export async function reductionByCity(ctx: Ctx, input: { month: string; regionPrefix?: string }): Promise<ReductionRow[]> {
  const cur = await emissionTotals(ctx, { month: input.month, groupBy: 'city', regionPrefix: input.regionPrefix });
  const prev = await emissionTotals(ctx, { month: previousYearMonth(input.month), groupBy: 'city', regionPrefix: input.regionPrefix });
  const keys = new Set([...cur, ...prev].map((r) => `${r.key}|${r.pollutant}`));
  return [...keys].sort().map((k) => {
    const [city, pollutant] = k.split('|');
    const a = cur.find((r) => r.key === city && r.pollutant === pollutant)?.kg ?? 0;
    const b = prev.find((r) => r.key === city && r.pollutant === pollutant)?.kg ?? 0;
    return { cityCode: city, pollutant, kg: a, previousKg: b, reduction: b > 0 ? (b - a) / b : null };
  });
}

// --- transmission rates ------------------------------------------------------------------------

export interface PointRates extends Rates {
  pointId: string;
  mn: string;
  enterpriseName: string;
  outletCode: string;
  regionCode: string;
}

/** Per point: transmission, validity and transmission-effectiveness rates of a month (or one day). */
export async function transmissionRates(ctx: Ctx, input: { month?: string; day?: string; regionPrefix?: string; enterpriseId?: string }): Promise<PointRates[]> {
  let from: string;
  let to: string;
  let days: number;
  if (input.day) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.day)) throw badRequest('day_invalid', '日期格式应为 YYYY-MM-DD');
    from = input.day;
    to = new Date(dayStart(input.day).getTime() + 86400_000 + 8 * 3600_000).toISOString().slice(0, 10);
    days = 1;
  } else {
    ({ from, to, days } = monthRange(input.month ?? ''));
  }
  const visible = regionFilter(ctx, SCOPES.read, sql.raw('p.region_code'));
  const prefix = input.regionPrefix && /^\d{2,6}$/.test(input.regionPrefix) ? `${input.regionPrefix}%` : null;
  const ent = input.enterpriseId && /^[0-9a-f-]{36}$/i.test(input.enterpriseId) ? input.enterpriseId : null;
  const rows = await queryRows<{ id: string; mn: string; enterprise_name: string; outlet_code: string; region_code: string; created_at: string | Date; expected: number | null; received: number | null; valid: number | null; ndays: number }>(
    ctx.db,
    sql`SELECT p.id, p.mn, e.name AS enterprise_name, o.code AS outlet_code, p.region_code, p.created_at,
      sum(d.expected_hours)::int AS expected, sum(d.received_hours)::int AS received, sum(d.valid_hours)::int AS valid, count(d.day)::int AS ndays
      FROM environment.points p JOIN environment.outlets o ON o.id = p.outlet_id JOIN environment.enterprises e ON e.id = o.enterprise_id
      LEFT JOIN environment.point_days d ON d.point_id = p.id AND d.day >= ${from}::date AND d.day < ${to}::date
      WHERE ${visible} AND (${prefix}::text IS NULL OR p.region_code LIKE ${prefix}) AND (${ent}::uuid IS NULL OR e.id = ${ent})
      GROUP BY p.id, p.mn, e.name, o.code, p.region_code, p.created_at ORDER BY p.region_code, e.name, o.code`,
  );
  const now = ctx.clock.now().getTime();
  const periodStart = dayStart(from).getTime();
  const periodEnd = Math.min(dayStart(to).getTime(), now);
  return rows.map((r) => {
    // Hours expected: the whole period up to now (from registration), including days without any row.
    const startMs = Math.max(periodStart, new Date(r.created_at).getTime());
    const expectedAll = Math.max(0, Math.ceil((periodEnd - startMs) / 3600_000));
    const expected = Math.max(Number(r.received ?? 0), Math.min(expectedAll, days * 24));
    return { pointId: r.id, mn: r.mn, enterpriseName: r.enterprise_name, outletCode: r.outlet_code, regionCode: r.region_code, ...rates(expected, Number(r.received ?? 0), Number(r.valid ?? 0)) };
  });
}

// --- tax base ----------------------------------------------------------------------------------

export interface OutletTaxBase {
  outletId: string;
  outletCode: string;
  outletName: string;
  medium: Medium;
  items: TaxItem[];
  equivalents: number;
  tax: number;
}

export interface EnterpriseTaxBase {
  enterpriseId: string;
  enterpriseName: string;
  uscc: string;
  regionCode: string;
  month: string;
  centralizedSewage: boolean;
  isDemo: boolean;
  outlets: OutletTaxBase[];
  tax: number;
}

/** The month's tax base of the enterprises in view (one enterprise when given), from the automatic monitoring data. */
export async function taxBase(ctx: Ctx, input: { month: string; enterpriseId?: string; regionPrefix?: string }): Promise<EnterpriseTaxBase[]> {
  const { from, to } = monthRange(input.month);
  const visible = regionFilter(ctx, SCOPES.read, sql.raw('o.region_code'));
  const prefix = input.regionPrefix && /^\d{2,6}$/.test(input.regionPrefix) ? `${input.regionPrefix}%` : null;
  const ent = input.enterpriseId && /^[0-9a-f-]{36}$/i.test(input.enterpriseId) ? input.enterpriseId : null;
  const fromTs = dayStart(from).toISOString();
  const toTs = dayStart(to).toISOString();
  const rows = await queryRows<{
    enterprise_id: string; enterprise_name: string; uscc: string; e_region: string; centralized_sewage: boolean; is_demo: boolean;
    outlet_id: string; outlet_code: string; outlet_name: string; medium: Medium; pollutant: string; kg: number | null; mean_c: number | null; max_c: number | null; limit_max: number | null;
  }>(
    ctx.db,
    sql`WITH pts AS (
        SELECT p.id AS point_id, o.id AS outlet_id, o.medium FROM environment.points p JOIN environment.outlets o ON o.id = p.outlet_id
        WHERE ${visible} AND (${prefix}::text IS NULL OR o.region_code LIKE ${prefix}) AND (${ent}::uuid IS NULL OR o.enterprise_id = ${ent})
      ), emis AS (
        SELECT pts.outlet_id, d.pollutant, sum(d.cou) AS kg FROM environment.daily d JOIN pts ON pts.point_id = d.point_id
        WHERE d.day >= ${from}::date AND d.day < ${to}::date GROUP BY pts.outlet_id, d.pollutant
      ), conc_air AS (
        SELECT pts.outlet_id, h.pollutant, avg(coalesce(h.zs_avg, h.avg)) AS mean_c, max(coalesce(h.zs_avg, h.avg)) AS max_c
        FROM environment.hourly h JOIN pts ON pts.point_id = h.point_id
        WHERE pts.medium = 'air' AND h.valid AND h.hour_start >= ${fromTs} AND h.hour_start < ${toTs} GROUP BY pts.outlet_id, h.pollutant
      ), conc_water AS (
        SELECT pts.outlet_id, d.pollutant, avg(d.avg) AS mean_c, max(d.avg) AS max_c
        FROM environment.daily d JOIN pts ON pts.point_id = d.point_id
        WHERE pts.medium = 'water' AND d.valid AND d.day >= ${from}::date AND d.day < ${to}::date GROUP BY pts.outlet_id, d.pollutant
      ), conc AS (SELECT * FROM conc_air UNION ALL SELECT * FROM conc_water)
      SELECT e.id AS enterprise_id, e.name AS enterprise_name, e.uscc, e.region_code AS e_region, e.centralized_sewage, e.is_demo,
        o.id AS outlet_id, o.code AS outlet_code, o.name AS outlet_name, o.medium, em.pollutant, em.kg, c.mean_c, c.max_c, l.limit_max
      FROM emis em JOIN environment.outlets o ON o.id = em.outlet_id JOIN environment.enterprises e ON e.id = o.enterprise_id
      LEFT JOIN conc c ON c.outlet_id = em.outlet_id AND c.pollutant = em.pollutant
      LEFT JOIN environment.outlet_limits l ON l.outlet_id = em.outlet_id AND l.pollutant = em.pollutant
      ORDER BY e.region_code, e.name, o.code, em.pollutant`,
  );
  const byEnt = new Map<string, EnterpriseTaxBase>();
  const byOutlet = new Map<string, { base: OutletTaxBase; input: { pollutant: string; kg: number; meanConcentration: number | null; maxConcentration: number | null; limit: number | null }[]; sewage: boolean }>();
  for (const r of rows) {
    if (POLLUTANTS[r.pollutant]?.parameter || r.kg === null) continue;
    const e = byEnt.get(r.enterprise_id) ?? { enterpriseId: r.enterprise_id, enterpriseName: r.enterprise_name, uscc: r.uscc, regionCode: r.e_region, month: input.month, centralizedSewage: r.centralized_sewage, isDemo: r.is_demo, outlets: [], tax: 0 };
    byEnt.set(r.enterprise_id, e);
    let o = byOutlet.get(r.outlet_id);
    if (!o) {
      o = { base: { outletId: r.outlet_id, outletCode: r.outlet_code, outletName: r.outlet_name, medium: r.medium, items: [], equivalents: 0, tax: 0 }, input: [], sewage: r.centralized_sewage };
      byOutlet.set(r.outlet_id, o);
      e.outlets.push(o.base);
    }
    o.input.push({ pollutant: r.pollutant, kg: Number(r.kg), meanConcentration: r.mean_c === null ? null : Number(r.mean_c), maxConcentration: r.max_c === null ? null : Number(r.max_c), limit: r.limit_max });
  }
  for (const o of byOutlet.values()) {
    const t = outletTax({ medium: o.base.medium, pollutants: o.input, centralizedSewage: o.sewage });
    Object.assign(o.base, { items: t.items, equivalents: t.equivalents, tax: t.tax });
  }
  for (const e of byEnt.values()) e.tax = Math.round(e.outlets.reduce((a, o) => a + o.tax, 0) * 100) / 100;
  return [...byEnt.values()];
}
