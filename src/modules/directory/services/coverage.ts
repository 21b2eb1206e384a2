/**
 * Coverage (覆盖情况) of the e-government networks, computed from the links and never typed in:
 * per network, (a) prefecture-level regions whose leading body is connected, (b) county-level
 * regions whose leading body is connected, (c) departments of the viewer's own level connected.
 * The leading body is the government (政务内网, 政务外网) or, for the 党委内网, the party committee.
 *
 * County-level regions follow the statutory count: 市辖区, 县 and 县级市 plus Jiyuan (a
 * province-direct county-level city, stored as prefecture-level), without the statistics-only
 * functional zones. Only active units with active links count.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Ctx } from '../../../platform/context.ts';
import { queryRows } from '../../../platform/db/index.ts';
import { FUNCTIONAL_ZONE_KIND, NETWORKS, NETWORK_LABELS, PROVINCE_DIRECT_CITY_KIND, SCOPES, type Network, type RegionLevel, type UnitType } from '../model.ts';
import { prefixesFor, regionCondition } from './access.ts';

export interface CoverageCell {
  connected: number;
  total: number;
  /** 0-100 with one decimal; null when there is nothing to cover in the viewer's regions. */
  percent: number | null;
}

export interface NetworkCoverage {
  network: Network;
  label: string;
  prefecture: CoverageCell;
  county: CoverageCell;
  departments: CoverageCell;
  /** e.g. 政务外网: 地级 18/18 (100%), 县级 150/157 (95.5%), 省直部门 91/95 */
  summary: string;
}

export interface Coverage {
  /** The viewer's regions, e.g. 河南省 or 郑州市. */
  scopeLabel: string;
  /** 省直部门 / 市直部门 / 县直部门 / 本级部门. */
  departmentsLabel: string;
  networks: NetworkCoverage[];
}

const COUNTY_LEVEL = sql`((r.level = 'county' AND r.kind <> ${FUNCTIONAL_ZONE_KIND}) OR (r.level = 'prefecture' AND r.kind = ${PROVINCE_DIRECT_CITY_KIND}))`;

export function cell(connected: number, total: number): CoverageCell {
  return { connected, total, percent: total === 0 ? null : Math.round((connected / total) * 1000) / 10 };
}

export const formatPercent = (c: CoverageCell): string => (c.percent === null ? '—' : `${c.percent}%`);

/** Which unit stands for a region on each network. */
export const ANCHOR_TYPE: Record<Network, UnitType> = { party_intranet: 'party_committee', gov_intranet: 'government', gov_extranet: 'government' };

/** Regions of a set: how many exist, and per network how many have their anchor unit connected. */
async function regionCoverage(ctx: Ctx, regionSet: SQL, visible: SQL): Promise<{ total: number; byNetwork: Map<string, number> }> {
  const total = await queryRows<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM directory.regions r WHERE r.active AND ${regionSet} AND ${visible}`);
  const rows = await queryRows<{ network: string; n: string | number }>(
    ctx.db,
    sql`SELECT l.network, count(DISTINCT r.code) AS n
        FROM directory.regions r
        JOIN directory.units u ON u.region_code = r.code AND u.status = 'active'
        JOIN directory.network_links l ON l.unit_id = u.id AND l.status = 'active'
        WHERE r.active AND ${regionSet} AND ${visible} AND (${sql.join(
          NETWORKS.map((n) => sql`(l.network = ${n} AND u.unit_type = ${ANCHOR_TYPE[n]})`),
          sql` OR `,
        )})
        GROUP BY l.network`,
  );
  return { total: Number(total[0]?.n ?? 0), byNetwork: new Map(rows.map((r) => [r.network, Number(r.n)])) };
}

interface HomeRegion {
  code: string;
  name: string;
  level: RegionLevel;
}

/** The regions at the top of the viewer's subtrees (for a province-wide viewer: the province). */
async function homeRegions(ctx: Ctx, prefixes: string[]): Promise<HomeRegion[]> {
  if (prefixes.length === 0) return [];
  const cond = prefixes.includes('') ? sql`level = 'province'` : sql`subtree_prefix IN ${prefixes}`;
  return queryRows<HomeRegion>(ctx.db, sql`SELECT code, name, level FROM directory.regions WHERE ${cond} ORDER BY code`);
}

function departmentsLabel(homes: HomeRegion[]): string {
  if (homes.length !== 1) return '本级部门';
  return { province: '省直部门', prefecture: '市直部门', county: '县直部门' }[homes[0].level];
}

export async function computeCoverage(ctx: Ctx): Promise<Coverage> {
  const prefixes = prefixesFor(ctx, SCOPES.networkRead);
  const visible = regionCondition(sql`r.code`, prefixes);
  const prefecture = await regionCoverage(ctx, sql`r.level = 'prefecture'`, visible);
  const county = await regionCoverage(ctx, COUNTY_LEVEL, visible);
  const homes = await homeRegions(ctx, prefixes);
  const homeCodes = homes.map((h) => h.code);
  let deptTotal = 0;
  let deptBy = new Map<string, number>();
  if (homeCodes.length > 0) {
    const departments = sql`u.unit_type = 'department' AND u.status = 'active' AND u.region_code IN ${homeCodes}`;
    const total = await queryRows<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM directory.units u WHERE ${departments}`);
    const rows = await queryRows<{ network: string; n: string | number }>(
      ctx.db,
      sql`SELECT l.network, count(DISTINCT u.id) AS n FROM directory.units u
          JOIN directory.network_links l ON l.unit_id = u.id AND l.status = 'active'
          WHERE ${departments} GROUP BY l.network`,
    );
    deptTotal = Number(total[0]?.n ?? 0);
    deptBy = new Map(rows.map((r) => [r.network, Number(r.n)]));
  }
  const deptLabel = departmentsLabel(homes);
  const networks = NETWORKS.map((network): NetworkCoverage => {
    const p = cell(prefecture.byNetwork.get(network) ?? 0, prefecture.total);
    const c = cell(county.byNetwork.get(network) ?? 0, county.total);
    const d = cell(deptBy.get(network) ?? 0, deptTotal);
    const label = NETWORK_LABELS[network];
    const summary = `${label}: 地级 ${p.connected}/${p.total} (${formatPercent(p)}), 县级 ${c.connected}/${c.total} (${formatPercent(c)}), ${deptLabel} ${d.connected}/${d.total}`;
    return { network, label, prefecture: p, county: c, departments: d, summary };
  });
  return { scopeLabel: prefixes.includes('') ? '全省' : homes.map((h) => h.name).join('、') || '无', departmentsLabel: deptLabel, networks };
}
