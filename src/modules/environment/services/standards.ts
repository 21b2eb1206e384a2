/**
 * Emission standards as reference data (排放标准): national standards and Henan local standards with
 * the limits the alarms and the tax reductions compare against. Upserted at every start.
 * Air limits are hourly means of the concentration converted to the reference O₂ (mg/m³);
 * water limits are daily means (mg/L), pH as a range.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryRows, sql } from '../../../platform/db/index.ts';
import type { Medium } from '../model.ts';

export interface StandardDef {
  code: string;
  name: string;
  medium: Medium;
  reference: string;
  isLocal: boolean;
  o2Reference: number | null;
  note: string | null;
  limits: Record<string, { max?: number; min?: number }>;
}

const PH = { min: 6, max: 9 };

export const STANDARDS: StandardDef[] = [
  {
    code: 'GB13223-2011-coal-new',
    name: '火电厂大气污染物排放标准 燃煤锅炉 (新建, 一般地区)',
    medium: 'air',
    reference: 'GB 13223-2011 表 1',
    isLocal: false,
    o2Reference: 6,
    note: null,
    limits: { a21026: { max: 100 }, a21002: { max: 100 }, a34013: { max: 30 }, a20057: { max: 0.03 } },
  },
  {
    code: 'GB13223-2011-coal-existing',
    name: '火电厂大气污染物排放标准 燃煤锅炉 (现有, 一般地区)',
    medium: 'air',
    reference: 'GB 13223-2011 表 1',
    isLocal: false,
    o2Reference: 6,
    note: null,
    limits: { a21026: { max: 200 }, a21002: { max: 100 }, a34013: { max: 30 }, a20057: { max: 0.03 } },
  },
  {
    code: 'GB13223-2011-special',
    name: '火电厂大气污染物排放标准 燃煤锅炉 (重点地区特别排放限值)',
    medium: 'air',
    reference: 'GB 13223-2011 表 2',
    isLocal: false,
    o2Reference: 6,
    note: '烟尘 20、汞 0.03 未逐条核实, 使用前请核对标准原文',
    limits: { a21026: { max: 50 }, a21002: { max: 100 }, a34013: { max: 20 }, a20057: { max: 0.03 } },
  },
  {
    code: 'ULE-2015-coal',
    name: '燃煤电厂超低排放 (基准氧含量 6%)',
    medium: 'air',
    reference: '发改能源〔2014〕2093 号, 环发〔2015〕164 号',
    isLocal: false,
    o2Reference: 6,
    note: null,
    limits: { a21026: { max: 35 }, a21002: { max: 50 }, a34013: { max: 10 } },
  },
  {
    code: 'GB13223-2011-gas-turbine',
    name: '火电厂大气污染物排放标准 以天然气为燃料的燃气轮机组',
    medium: 'air',
    reference: 'GB 13223-2011 表 1',
    isLocal: false,
    o2Reference: 15,
    note: '烟尘 5 与基准氧含量 15% 未逐条核实, 使用前请核对标准原文',
    limits: { a21026: { max: 35 }, a21002: { max: 50 }, a34013: { max: 5 } },
  },
  {
    code: 'GB18918-2002-1A',
    name: '城镇污水处理厂污染物排放标准 一级 A',
    medium: 'water',
    reference: 'GB 18918-2002 表 1 (总磷按 2006 年起建设的污水处理厂)',
    isLocal: false,
    o2Reference: null,
    note: '氨氮在水温 ≤12℃ 时为 8',
    limits: { w01018: { max: 50 }, w01017: { max: 10 }, w01012: { max: 10 }, w21001: { max: 15 }, w21003: { max: 5 }, w21011: { max: 0.5 }, w01001: PH },
  },
  {
    code: 'GB18918-2002-1B',
    name: '城镇污水处理厂污染物排放标准 一级 B',
    medium: 'water',
    reference: 'GB 18918-2002 表 1 (总磷按 2006 年起建设的污水处理厂)',
    isLocal: false,
    o2Reference: null,
    note: '氨氮在水温 ≤12℃ 时为 15',
    limits: { w01018: { max: 60 }, w01017: { max: 20 }, w01012: { max: 20 }, w21001: { max: 20 }, w21003: { max: 8 }, w21011: { max: 1 }, w01001: PH },
  },
  {
    code: 'DB41-918-2014',
    name: '河南省惠济河流域水污染物排放标准 (城镇污水处理厂)',
    medium: 'water',
    reference: 'DB41/918-2014',
    isLocal: true,
    o2Reference: null,
    note: '限值未核实 (演示用), 使用前请核对标准原文',
    limits: { w01018: { max: 40 }, w21003: { max: 3 }, w21011: { max: 0.4 }, w21001: { max: 15 }, w01012: { max: 10 }, w01017: { max: 10 }, w01001: PH },
  },
  {
    code: 'DB41-2087-2021',
    name: '河南省黄河流域水污染物排放标准 (城镇污水处理厂)',
    medium: 'water',
    reference: 'DB41/2087-2021',
    isLocal: true,
    o2Reference: null,
    note: '限值未核实 (演示用), 使用前请核对标准原文',
    limits: { w01018: { max: 40 }, w21003: { max: 3 }, w21011: { max: 0.4 }, w21001: { max: 12 }, w01012: { max: 10 }, w01017: { max: 10 }, w01001: PH },
  },
];

export const standardByCode = (code: string): StandardDef | undefined => STANDARDS.find((s) => s.code === code);

/** Upserts the standards and their limits (idempotent; limits of a standard not listed any more are removed). */
export async function seedStandards(ctx: Ctx): Promise<void> {
  for (const s of STANDARDS) {
    await ctx.db.execute(sql`INSERT INTO environment.standards (code, name, medium, reference, is_local, o2_reference, note)
      VALUES (${s.code}, ${s.name}, ${s.medium}, ${s.reference}, ${s.isLocal}, ${s.o2Reference}, ${s.note})
      ON CONFLICT (code) DO UPDATE SET name = excluded.name, medium = excluded.medium, reference = excluded.reference,
        is_local = excluded.is_local, o2_reference = excluded.o2_reference, note = excluded.note`);
    const limits = Object.entries(s.limits).map(([p, l]) => ({ p, max: l.max ?? null, min: l.min ?? null }));
    await ctx.db.execute(sql`DELETE FROM environment.standard_limits WHERE standard_code = ${s.code}
      AND pollutant NOT IN (SELECT x.p FROM jsonb_to_recordset(${JSON.stringify(limits)}::jsonb) AS x(p text))`);
    await ctx.db.execute(sql`INSERT INTO environment.standard_limits (standard_code, pollutant, limit_max, limit_min)
      SELECT ${s.code}, x.p, x.max, x.min FROM jsonb_to_recordset(${JSON.stringify(limits)}::jsonb) AS x(p text, max float8, min float8)
      ON CONFLICT (standard_code, pollutant) DO UPDATE SET limit_max = excluded.limit_max, limit_min = excluded.limit_min`);
  }
}

export interface StandardView {
  code: string;
  name: string;
  medium: Medium;
  reference: string;
  isLocal: boolean;
  o2Reference: number | null;
  note: string | null;
  limits: { pollutant: string; max: number | null; min: number | null }[];
}

export async function listStandards(ctx: Ctx): Promise<StandardView[]> {
  const rows = await queryRows<{ code: string; name: string; medium: Medium; reference: string; is_local: boolean; o2_reference: number | null; note: string | null; limits: { pollutant: string; max: number | null; min: number | null }[] }>(
    ctx.db,
    sql`SELECT s.code, s.name, s.medium, s.reference, s.is_local, s.o2_reference, s.note,
      coalesce((SELECT jsonb_agg(jsonb_build_object('pollutant', l.pollutant, 'max', l.limit_max, 'min', l.limit_min) ORDER BY l.pollutant)
        FROM environment.standard_limits l WHERE l.standard_code = s.code), '[]'::jsonb) AS limits
      FROM environment.standards s ORDER BY s.medium, s.is_local, s.code`,
  );
  return rows.map((r) => ({ code: r.code, name: r.name, medium: r.medium, reference: r.reference, isLocal: r.is_local, o2Reference: r.o2_reference, note: r.note, limits: r.limits }));
}

/** Creates the monthly partitions of the readings from one month back to `monthsAhead` months ahead (idempotent). */
export async function ensureReadingPartitions(ctx: Ctx, monthsAhead = 3): Promise<number> {
  const now = ctx.clock.now();
  const bj = new Date(now.getTime() + 8 * 3600_000);
  const from = new Date(Date.UTC(bj.getUTCFullYear(), bj.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
  const rows = await queryRows<{ n: number }>(ctx.db, sql`SELECT environment.ensure_reading_partitions(${from}::date, ${monthsAhead + 2}) AS n`);
  return Number(rows[0]?.n ?? 0);
}
