/**
 * The registry (污染源档案): enterprises by credit code, their outlets with the standard and limits
 * that apply, and the monitoring points (data loggers) by MN with their password. Every change is
 * region-bounded by `environment.registry.write`, audited and published in one transaction.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope, regionPrefixesFor, regionVisible } from '../../../platform/context.ts';
import { badRequest, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { newId } from '../../../platform/ids.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { checkUscc, usccCheckChar } from '../../../platform/identifiers/index.ts';
import { EVENTS, POLLUTANTS, SCOPES, iso, type Industry, type Medium } from '../model.ts';
import { standardByCode } from './standards.ts';
import { hashLoggerPassword } from './uploads.ts';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requireRegion(ctx: Ctx, scope: string, regionCode: string): void {
  if (!regionVisible(ctx.actor, scope, regionCode)) throw forbidden('该单位不在您有权管理的辖区内。');
}

/** SQL condition: `col` is in a region the actor holds `scope` for. */
export function regionFilter(ctx: Ctx, scope: string, col: ReturnType<typeof sql.raw>) {
  const prefixes = regionPrefixesFor(ctx.actor, scope).filter((p) => /^\d{0,6}$/.test(p));
  if (prefixes.length === 0) return sql`false`;
  if (prefixes.includes('')) return sql`true`;
  return sql`(${sql.join(prefixes.map((p) => sql`${col} LIKE ${`${p}%`}`), sql` OR `)})`;
}

// --- enterprises -------------------------------------------------------------------------------

export interface EnterpriseInput {
  uscc: string;
  name: string;
  regionCode: string;
  industry: Industry;
  centralizedSewage?: boolean;
  address?: string | null;
  longitude?: number | null;
  latitude?: number | null;
  isDemo?: boolean;
}

export interface Enterprise {
  id: string;
  uscc: string;
  name: string;
  regionCode: string;
  industry: Industry;
  centralizedSewage: boolean;
  address: string | null;
  longitude: number | null;
  latitude: number | null;
  status: 'active' | 'closed';
  isDemo: boolean;
  createdAt: string;
  version: number;
}

interface EnterpriseRow {
  id: string;
  uscc: string;
  name: string;
  region_code: string;
  industry: Industry;
  centralized_sewage: boolean;
  address: string | null;
  longitude: number | null;
  latitude: number | null;
  status: 'active' | 'closed';
  is_demo: boolean;
  created_at: string | Date;
  version: number;
}

const enterpriseView = (r: EnterpriseRow): Enterprise => ({
  id: r.id,
  uscc: r.uscc,
  name: r.name,
  regionCode: r.region_code,
  industry: r.industry,
  centralizedSewage: r.centralized_sewage,
  address: r.address,
  longitude: r.longitude,
  latitude: r.latitude,
  status: r.status,
  isDemo: r.is_demo,
  createdAt: iso(r.created_at),
  version: r.version,
});

function checkEnterpriseInput(input: EnterpriseInput): string {
  const uscc = input.uscc.trim().toUpperCase();
  const check = checkUscc(uscc);
  if (!check.valid) throw badRequest(check.code, check.reason, [{ field: 'uscc', message: check.reason }]);
  if (!/^\d{6}$/.test(input.regionCode)) throw badRequest('region_invalid', '行政区划代码应为 6 位数字', [{ field: 'regionCode', message: '行政区划代码应为 6 位数字' }]);
  if (input.centralizedSewage && input.industry !== 'sewage_plant') {
    throw badRequest('centralized_sewage_industry', '只有污水处理厂可以登记为集中式污水处理场所', [{ field: 'centralizedSewage', message: '只有污水处理厂可以登记为集中式污水处理场所' }]);
  }
  return uscc;
}

export async function createEnterprise(ctx: Ctx, input: EnterpriseInput): Promise<Enterprise> {
  const uscc = checkEnterpriseInput(input);
  requireRegion(ctx, SCOPES.registryWrite, input.regionCode);
  return inTransaction(ctx, async (tx) => {
    const exists = await queryOne<{ id: string }>(tx.db, sql`SELECT id FROM environment.enterprises WHERE uscc = ${uscc}`);
    if (exists) throw conflict('enterprise_exists', `统一社会信用代码 ${uscc} 的企业已登记`);
    const id = newId();
    const now = ctx.clock.now().toISOString();
    const rows = await queryRows<EnterpriseRow>(tx.db, sql`INSERT INTO environment.enterprises
      (id, uscc, name, region_code, industry, centralized_sewage, address, longitude, latitude, is_demo, created_at, updated_at)
      VALUES (${id}, ${uscc}, ${input.name.trim()}, ${input.regionCode}, ${input.industry}, ${input.centralizedSewage ?? false}, ${input.address ?? null},
        ${input.longitude ?? null}, ${input.latitude ?? null}, ${input.isDemo ?? false}, ${now}, ${now}) RETURNING *`);
    audit(tx, { action: 'environment.enterprise.create', targetType: 'environment.enterprise', targetId: id, targetLabel: input.name, details: { uscc, regionCode: input.regionCode, industry: input.industry } });
    await publish(tx, { type: EVENTS.enterpriseRegistered, orderingKey: id, payload: { enterpriseId: id, uscc, regionCode: input.regionCode } });
    return enterpriseView(rows[0]);
  });
}

export async function updateEnterprise(ctx: Ctx, input: EnterpriseInput & { id: string; version: number; status?: 'active' | 'closed' }): Promise<Enterprise> {
  const uscc = checkEnterpriseInput(input);
  return inTransaction(ctx, async (tx) => {
    const cur = await loadEnterpriseForUpdate(tx, input.id);
    requireRegion(ctx, SCOPES.registryWrite, cur.region_code);
    requireRegion(ctx, SCOPES.registryWrite, input.regionCode);
    if (cur.version !== input.version) throw conflict('enterprise_changed', '该企业已被他人修改, 请刷新后重试');
    if (uscc !== cur.uscc) {
      const other = await queryOne<{ id: string }>(tx.db, sql`SELECT id FROM environment.enterprises WHERE uscc = ${uscc} AND id <> ${input.id}`);
      if (other) throw conflict('enterprise_exists', `统一社会信用代码 ${uscc} 的企业已登记`);
    }
    const now = ctx.clock.now().toISOString();
    const rows = await queryRows<EnterpriseRow>(tx.db, sql`UPDATE environment.enterprises SET uscc = ${uscc}, name = ${input.name.trim()}, region_code = ${input.regionCode},
      industry = ${input.industry}, centralized_sewage = ${input.centralizedSewage ?? false}, address = ${input.address ?? null}, longitude = ${input.longitude ?? null},
      latitude = ${input.latitude ?? null}, status = ${input.status ?? cur.status}, updated_at = ${now}, version = version + 1 WHERE id = ${input.id} RETURNING *`);
    if (cur.region_code !== input.regionCode) {
      await tx.db.execute(sql`UPDATE environment.outlets SET region_code = ${input.regionCode} WHERE enterprise_id = ${input.id}`);
      await tx.db.execute(sql`UPDATE environment.points SET region_code = ${input.regionCode} WHERE outlet_id IN (SELECT id FROM environment.outlets WHERE enterprise_id = ${input.id})`);
    }
    audit(tx, { action: 'environment.enterprise.update', targetType: 'environment.enterprise', targetId: input.id, targetLabel: input.name, details: { uscc, regionCode: input.regionCode, status: input.status ?? cur.status } });
    return enterpriseView(rows[0]);
  });
}

async function loadEnterpriseForUpdate(ctx: Ctx, id: string): Promise<EnterpriseRow> {
  if (!UUID_RE.test(id)) throw notFound('enterprise_not_found', '企业不存在');
  const row = await queryOne<EnterpriseRow>(ctx.db, sql`SELECT * FROM environment.enterprises WHERE id = ${id} FOR UPDATE`);
  if (!row) throw notFound('enterprise_not_found', '企业不存在');
  return row;
}

export async function getEnterprise(ctx: Ctx, id: string): Promise<Enterprise> {
  if (!UUID_RE.test(id)) throw notFound('enterprise_not_found', '企业不存在');
  const row = await queryOne<EnterpriseRow>(ctx.db, sql`SELECT * FROM environment.enterprises WHERE id = ${id}`);
  if (!row || !regionVisible(ctx.actor, SCOPES.read, row.region_code)) throw notFound('enterprise_not_found', '企业不存在');
  return enterpriseView(row);
}

export async function listEnterprises(ctx: Ctx, filter: { regionPrefix?: string; search?: string; industry?: Industry; limit?: number; offset?: number } = {}): Promise<{ items: Enterprise[]; total: number }> {
  const visible = regionFilter(ctx, SCOPES.read, sql.raw('e.region_code'));
  const prefix = filter.regionPrefix && /^\d{2,6}$/.test(filter.regionPrefix) ? `${filter.regionPrefix}%` : null;
  const search = filter.search?.trim() ? `%${filter.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const where = sql`${visible} AND (${prefix}::text IS NULL OR e.region_code LIKE ${prefix}) AND (${search}::text IS NULL OR e.name LIKE ${search} OR e.uscc LIKE ${search})
    AND (${filter.industry ?? null}::text IS NULL OR e.industry = ${filter.industry ?? null})`;
  const rows = await queryRows<EnterpriseRow>(ctx.db, sql`SELECT * FROM environment.enterprises e WHERE ${where} ORDER BY e.region_code, e.name
    LIMIT ${Math.min(filter.limit ?? 50, 500)} OFFSET ${Math.max(0, filter.offset ?? 0)}`);
  const total = await queryOne<{ n: number }>(ctx.db, sql`SELECT count(*)::int AS n FROM environment.enterprises e WHERE ${where}`);
  return { items: rows.map(enterpriseView), total: Number(total?.n ?? 0) };
}

// --- outlets -----------------------------------------------------------------------------------

export interface OutletInput {
  enterpriseId: string;
  code: string;
  name: string;
  medium: Medium;
  standardCode?: string | null;
  o2Reference?: number | null;
  isDemo?: boolean;
}

export interface OutletLimit {
  pollutant: string;
  max: number | null;
  min: number | null;
  standardCode: string | null;
}

export interface Outlet {
  id: string;
  enterpriseId: string;
  enterpriseName: string;
  code: string;
  name: string;
  medium: Medium;
  regionCode: string;
  standardCode: string | null;
  o2Reference: number | null;
  status: 'active' | 'closed';
  isDemo: boolean;
  limits: OutletLimit[];
  version: number;
}

interface OutletRow {
  id: string;
  enterprise_id: string;
  enterprise_name: string;
  code: string;
  name: string;
  medium: Medium;
  region_code: string;
  standard_code: string | null;
  o2_reference: number | null;
  status: 'active' | 'closed';
  is_demo: boolean;
  version: number;
  limits: { pollutant: string; max: number | null; min: number | null; standardCode: string | null }[];
}

const outletSelect = sql`SELECT o.id, o.enterprise_id, e.name AS enterprise_name, o.code, o.name, o.medium, o.region_code, o.standard_code, o.o2_reference, o.status, o.is_demo, o.version,
  coalesce((SELECT jsonb_agg(jsonb_build_object('pollutant', l.pollutant, 'max', l.limit_max, 'min', l.limit_min, 'standardCode', l.standard_code) ORDER BY l.pollutant)
    FROM environment.outlet_limits l WHERE l.outlet_id = o.id), '[]'::jsonb) AS limits
  FROM environment.outlets o JOIN environment.enterprises e ON e.id = o.enterprise_id`;

const outletView = (r: OutletRow): Outlet => ({
  id: r.id,
  enterpriseId: r.enterprise_id,
  enterpriseName: r.enterprise_name,
  code: r.code,
  name: r.name,
  medium: r.medium,
  regionCode: r.region_code,
  standardCode: r.standard_code,
  o2Reference: r.o2_reference,
  status: r.status,
  isDemo: r.is_demo,
  limits: r.limits,
  version: r.version,
});

export async function createOutlet(ctx: Ctx, input: OutletInput): Promise<Outlet> {
  if (!/^[A-Za-z0-9-]{1,20}$/.test(input.code)) throw badRequest('outlet_code_invalid', '排放口编号只能包含字母、数字和连字符 (最多 20 位)', [{ field: 'code', message: '排放口编号格式不正确' }]);
  const standard = input.standardCode ? standardByCode(input.standardCode) : undefined;
  if (input.standardCode && !standard) throw badRequest('standard_unknown', `排放标准 ${input.standardCode} 不存在`, [{ field: 'standardCode', message: '排放标准不存在' }]);
  if (standard && standard.medium !== input.medium) throw badRequest('standard_medium', '排放标准的介质与排放口不一致', [{ field: 'standardCode', message: '排放标准的介质与排放口不一致' }]);
  const o2 = input.medium === 'air' ? (input.o2Reference ?? standard?.o2Reference ?? null) : null;
  return inTransaction(ctx, async (tx) => {
    const ent = await loadEnterpriseForUpdate(tx, input.enterpriseId);
    requireRegion(ctx, SCOPES.registryWrite, ent.region_code);
    const dup = await queryOne<{ id: string }>(tx.db, sql`SELECT id FROM environment.outlets WHERE enterprise_id = ${ent.id} AND code = ${input.code}`);
    if (dup) throw conflict('outlet_exists', `该企业已有编号为 ${input.code} 的排放口`);
    const id = newId();
    const now = ctx.clock.now().toISOString();
    await tx.db.execute(sql`INSERT INTO environment.outlets (id, enterprise_id, code, name, medium, region_code, standard_code, o2_reference, is_demo, created_at, updated_at)
      VALUES (${id}, ${ent.id}, ${input.code}, ${input.name.trim()}, ${input.medium}, ${ent.region_code}, ${input.standardCode ?? null}, ${o2}, ${input.isDemo ?? ent.is_demo}, ${now}, ${now})`);
    if (standard) {
      await tx.db.execute(sql`INSERT INTO environment.outlet_limits (outlet_id, pollutant, limit_max, limit_min, standard_code)
        SELECT ${id}, pollutant, limit_max, limit_min, standard_code FROM environment.standard_limits WHERE standard_code = ${standard.code}`);
    }
    audit(tx, { action: 'environment.outlet.create', targetType: 'environment.outlet', targetId: id, targetLabel: `${ent.name} ${input.code}`, details: { medium: input.medium, standardCode: input.standardCode ?? null, o2Reference: o2 } });
    return (await getOutletRow(tx, id))!;
  });
}

async function getOutletRow(ctx: Ctx, id: string): Promise<Outlet | null> {
  if (!UUID_RE.test(id)) return null;
  const row = await queryOne<OutletRow>(ctx.db, sql`${outletSelect} WHERE o.id = ${id}`);
  return row ? outletView(row) : null;
}

export async function getOutlet(ctx: Ctx, id: string): Promise<Outlet> {
  const o = await getOutletRow(ctx, id);
  if (!o || !regionVisible(ctx.actor, SCOPES.read, o.regionCode)) throw notFound('outlet_not_found', '排放口不存在');
  return o;
}

export async function listOutlets(ctx: Ctx, filter: { enterpriseId?: string } = {}): Promise<Outlet[]> {
  const visible = regionFilter(ctx, SCOPES.read, sql.raw('o.region_code'));
  const ent = filter.enterpriseId && UUID_RE.test(filter.enterpriseId) ? filter.enterpriseId : null;
  const rows = await queryRows<OutletRow>(ctx.db, sql`${outletSelect} WHERE ${visible} AND (${ent}::uuid IS NULL OR o.enterprise_id = ${ent}) ORDER BY e.name, o.code LIMIT 2000`);
  return rows.map(outletView);
}

/** Sets (or, with both bounds null, removes) the limit of one pollutant at an outlet; the standard is then 'manual'. */
export async function setOutletLimit(ctx: Ctx, input: { outletId: string; pollutant: string; max: number | null; min?: number | null }): Promise<Outlet> {
  if (!/^[a-z]\d{5}$/.test(input.pollutant)) throw badRequest('pollutant_invalid', '污染物代码应为 HJ 212-2017 格式, 如 a21026', [{ field: 'pollutant', message: '污染物代码格式不正确' }]);
  if (input.max !== null && !(input.max > 0)) throw badRequest('limit_invalid', '限值应大于 0', [{ field: 'max', message: '限值应大于 0' }]);
  return inTransaction(ctx, async (tx) => {
    const o = await getOutletRow(tx, input.outletId);
    if (!o) throw notFound('outlet_not_found', '排放口不存在');
    requireRegion(ctx, SCOPES.registryWrite, o.regionCode);
    if (input.max === null && (input.min ?? null) === null) {
      await tx.db.execute(sql`DELETE FROM environment.outlet_limits WHERE outlet_id = ${o.id} AND pollutant = ${input.pollutant}`);
    } else {
      await tx.db.execute(sql`INSERT INTO environment.outlet_limits (outlet_id, pollutant, limit_max, limit_min, standard_code)
        VALUES (${o.id}, ${input.pollutant}, ${input.max}, ${input.min ?? null}, NULL)
        ON CONFLICT (outlet_id, pollutant) DO UPDATE SET limit_max = excluded.limit_max, limit_min = excluded.limit_min, standard_code = NULL`);
    }
    await tx.db.execute(sql`UPDATE environment.outlets SET version = version + 1, updated_at = ${ctx.clock.now().toISOString()} WHERE id = ${o.id}`);
    const before = o.limits.find((l) => l.pollutant === input.pollutant) ?? null;
    audit(tx, { action: 'environment.outlet.limit', targetType: 'environment.outlet', targetId: o.id, targetLabel: `${o.enterpriseName} ${o.code}`, details: { pollutant: input.pollutant, before, max: input.max, min: input.min ?? null } });
    return (await getOutletRow(tx, o.id))!;
  });
}

// --- monitoring points -------------------------------------------------------------------------

export interface PointInput {
  outletId: string;
  mn: string;
  pw: string;
  pollutants: string[];
  rtdIntervalS?: number;
  minIntervalMin?: number;
  instrumentRanges?: Record<string, [number, number]>;
  isDemo?: boolean;
}

export interface Point {
  id: string;
  outletId: string;
  outletCode: string;
  outletName: string;
  enterpriseId: string;
  enterpriseName: string;
  mn: string;
  protocol: '2005' | '2017';
  medium: Medium;
  regionCode: string;
  pollutants: string[];
  instrumentRanges: Record<string, [number, number]>;
  rtdIntervalS: number;
  minIntervalMin: number;
  status: 'active' | 'disabled';
  isDemo: boolean;
  o2Reference: number | null;
  version: number;
}

interface PointRow {
  id: string;
  outlet_id: string;
  outlet_code: string;
  outlet_name: string;
  enterprise_id: string;
  enterprise_name: string;
  mn: string;
  protocol: '2005' | '2017';
  medium: Medium;
  region_code: string;
  pollutants: string[];
  instrument_ranges: Record<string, [number, number]>;
  rtd_interval_s: number;
  min_interval_min: number;
  status: 'active' | 'disabled';
  is_demo: boolean;
  o2_reference: number | null;
  version: number;
}

export const pointSelect = sql`SELECT p.id, p.outlet_id, o.code AS outlet_code, o.name AS outlet_name, e.id AS enterprise_id, e.name AS enterprise_name, p.mn, p.protocol, p.medium,
  p.region_code, p.pollutants, p.instrument_ranges, p.rtd_interval_s, p.min_interval_min, p.status, p.is_demo, o.o2_reference, p.version
  FROM environment.points p JOIN environment.outlets o ON o.id = p.outlet_id JOIN environment.enterprises e ON e.id = o.enterprise_id`;

export const pointView = (r: PointRow): Point => ({
  id: r.id,
  outletId: r.outlet_id,
  outletCode: r.outlet_code,
  outletName: r.outlet_name,
  enterpriseId: r.enterprise_id,
  enterpriseName: r.enterprise_name,
  mn: r.mn,
  protocol: r.protocol,
  medium: r.medium,
  regionCode: r.region_code,
  pollutants: r.pollutants,
  instrumentRanges: r.instrument_ranges ?? {},
  rtdIntervalS: r.rtd_interval_s,
  minIntervalMin: r.min_interval_min,
  status: r.status,
  isDemo: r.is_demo,
  o2Reference: r.o2_reference,
  version: r.version,
});

/** MN style: 2017 is 24 hex digits (EPC-96), 2005 is 14 characters. */
export function mnProtocol(mn: string): '2005' | '2017' | null {
  if (/^[0-9A-F]{24}$/.test(mn)) return '2017';
  if (/^[0-9A-Za-z]{14}$/.test(mn)) return '2005';
  return null;
}

function checkPointFields(input: { pollutants?: string[]; rtdIntervalS?: number; minIntervalMin?: number; instrumentRanges?: Record<string, [number, number]> }, medium: Medium): void {
  if (input.pollutants) {
    if (input.pollutants.length === 0) throw badRequest('pollutants_empty', '请至少选择一个监测的污染物或参数', [{ field: 'pollutants', message: '请至少选择一个' }]);
    for (const p of input.pollutants) {
      if (!/^[a-z]\d{5}$/.test(p)) throw badRequest('pollutant_invalid', `污染物代码 ${p} 不是 HJ 212-2017 格式`, [{ field: 'pollutants', message: `污染物代码 ${p} 格式不正确` }]);
      const info = POLLUTANTS[p];
      if (info && info.medium !== medium) throw badRequest('pollutant_medium', `${info.name} 不属于${medium === 'air' ? '废气' : '废水'}监测项目`, [{ field: 'pollutants', message: `${info.name} 与排放口介质不符` }]);
    }
  }
  if (input.rtdIntervalS !== undefined && !(Number.isInteger(input.rtdIntervalS) && input.rtdIntervalS >= 30 && input.rtdIntervalS <= 3600)) {
    throw badRequest('interval_invalid', '实时数据间隔应为 30–3600 秒', [{ field: 'rtdIntervalS', message: '应为 30–3600 秒' }]);
  }
  if (input.minIntervalMin !== undefined && ![1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30].includes(input.minIntervalMin)) {
    throw badRequest('interval_invalid', '分钟数据间隔应为 1、2、3、4、5、6、10、12、15、20 或 30 分钟', [{ field: 'minIntervalMin', message: '分钟数据间隔不符合 HJ 212' }]);
  }
  for (const [code, r] of Object.entries(input.instrumentRanges ?? {})) {
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] < r[1])) throw badRequest('range_invalid', `${code} 的量程应为 [下限, 上限] 且下限小于上限`, [{ field: 'instrumentRanges', message: '量程格式不正确' }]);
  }
}

function checkPw(pw: string): void {
  // HJ 212 PW is 6 characters in the standard's field width (PW=xxxxxx); loggers in the field use up to 9.
  if (!/^[\x21-\x7e]{6,9}$/.test(pw) || /[;,=&]/.test(pw)) {
    throw badRequest('pw_invalid', '访问密码应为 6–9 位可见 ASCII 字符, 不含 ; , = &', [{ field: 'pw', message: '访问密码格式不正确' }]);
  }
}

export async function createPoint(ctx: Ctx, input: PointInput): Promise<Point> {
  const mn = input.mn.trim();
  const protocol = mnProtocol(mn);
  if (!protocol) throw badRequest('mn_invalid', 'MN 应为 24 位十六进制大写字符 (HJ 212-2017) 或 14 位字母数字 (2005 版)', [{ field: 'mn', message: 'MN 格式不正确' }]);
  checkPw(input.pw);
  return inTransaction(ctx, async (tx) => {
    const outlet = await getOutletRow(tx, input.outletId);
    if (!outlet) throw notFound('outlet_not_found', '排放口不存在');
    requireRegion(ctx, SCOPES.registryWrite, outlet.regionCode);
    checkPointFields(input, outlet.medium);
    const dup = await queryOne<{ id: string }>(tx.db, sql`SELECT id FROM environment.points WHERE mn = ${mn}`);
    if (dup) throw conflict('mn_exists', `MN ${mn} 已登记`);
    const id = newId();
    const now = ctx.clock.now().toISOString();
    await tx.db.execute(sql`INSERT INTO environment.points (id, outlet_id, mn, protocol, pw_hmac, medium, region_code, pollutants, instrument_ranges, rtd_interval_s, min_interval_min, is_demo, created_at, updated_at)
      VALUES (${id}, ${outlet.id}, ${mn}, ${protocol}, ${await hashLoggerPassword(tx, input.pw)}, ${outlet.medium}, ${outlet.regionCode},
        ${`{${input.pollutants.join(',')}}`}::text[], ${JSON.stringify(input.instrumentRanges ?? {})}::jsonb, ${input.rtdIntervalS ?? 30}, ${input.minIntervalMin ?? 10}, ${input.isDemo ?? outlet.isDemo}, ${now}, ${now})`);
    audit(tx, { action: 'environment.point.create', targetType: 'environment.point', targetId: id, targetLabel: `${outlet.enterpriseName} ${outlet.code} ${mn}`, details: { mn, protocol, pollutants: input.pollutants } });
    await publish(tx, { type: EVENTS.pointRegistered, orderingKey: id, payload: { pointId: id, mn, regionCode: outlet.regionCode } });
    return (await loadPoint(tx, id))!;
  });
}

export interface PointPatch {
  id: string;
  version: number;
  pw?: string;
  pollutants?: string[];
  rtdIntervalS?: number;
  minIntervalMin?: number;
  instrumentRanges?: Record<string, [number, number]>;
  status?: 'active' | 'disabled';
}

export async function updatePoint(ctx: Ctx, input: PointPatch): Promise<Point> {
  if (input.pw !== undefined && input.pw !== '') checkPw(input.pw);
  return inTransaction(ctx, async (tx) => {
    const cur = await loadPoint(tx, input.id, true);
    if (!cur) throw notFound('point_not_found', '监控点不存在');
    requireRegion(ctx, SCOPES.registryWrite, cur.regionCode);
    if (cur.version !== input.version) throw conflict('point_changed', '该监控点已被他人修改, 请刷新后重试');
    checkPointFields(input, cur.medium);
    const pwHmac = input.pw ? await hashLoggerPassword(tx, input.pw) : null;
    const pollutants = input.pollutants ? `{${input.pollutants.join(',')}}` : null;
    await tx.db.execute(sql`UPDATE environment.points SET
      pw_hmac = coalesce(${pwHmac}, pw_hmac),
      pollutants = coalesce(${pollutants}::text[], pollutants),
      rtd_interval_s = ${input.rtdIntervalS ?? cur.rtdIntervalS}, min_interval_min = ${input.minIntervalMin ?? cur.minIntervalMin},
      instrument_ranges = ${JSON.stringify(input.instrumentRanges ?? cur.instrumentRanges)}::jsonb, status = ${input.status ?? cur.status},
      updated_at = ${ctx.clock.now().toISOString()}, version = version + 1 WHERE id = ${cur.id}`);
    audit(tx, {
      action: 'environment.point.update',
      targetType: 'environment.point',
      targetId: cur.id,
      targetLabel: `${cur.enterpriseName} ${cur.outletCode} ${cur.mn}`,
      details: { pwChanged: Boolean(pwHmac), pollutants: input.pollutants ?? null, status: input.status ?? cur.status, rtdIntervalS: input.rtdIntervalS ?? null },
    });
    return (await loadPoint(tx, cur.id))!;
  });
}

export async function loadPoint(ctx: Ctx, id: string, forUpdate = false): Promise<Point | null> {
  if (!UUID_RE.test(id)) return null;
  const row = await queryOne<PointRow>(ctx.db, forUpdate ? sql`${pointSelect} WHERE p.id = ${id} FOR UPDATE OF p` : sql`${pointSelect} WHERE p.id = ${id}`);
  return row ? pointView(row) : null;
}

export async function getPoint(ctx: Ctx, id: string): Promise<Point> {
  const p = await loadPoint(ctx, id);
  if (!p || !regionVisible(ctx.actor, SCOPES.read, p.regionCode)) throw notFound('point_not_found', '监控点不存在');
  return p;
}

export async function listPoints(ctx: Ctx, filter: { regionPrefix?: string; outletId?: string; enterpriseId?: string } = {}): Promise<Point[]> {
  const visible = regionFilter(ctx, SCOPES.read, sql.raw('p.region_code'));
  const prefix = filter.regionPrefix && /^\d{2,6}$/.test(filter.regionPrefix) ? `${filter.regionPrefix}%` : null;
  const outlet = filter.outletId && UUID_RE.test(filter.outletId) ? filter.outletId : null;
  const ent = filter.enterpriseId && UUID_RE.test(filter.enterpriseId) ? filter.enterpriseId : null;
  const rows = await queryRows<PointRow>(ctx.db, sql`${pointSelect} WHERE ${visible} AND (${prefix}::text IS NULL OR p.region_code LIKE ${prefix})
    AND (${outlet}::uuid IS NULL OR p.outlet_id = ${outlet}) AND (${ent}::uuid IS NULL OR e.id = ${ent}) ORDER BY p.region_code, e.name, o.code, p.mn LIMIT 5000`);
  return rows.map(pointView);
}

export const canWriteRegistry = (ctx: Ctx): boolean => hasScope(ctx.actor, SCOPES.registryWrite);

// --- conveniences for tests, benchmarks and demo seeds -----------------------------------------

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A valid GB 32100 code for an enterprise (category 91) registered in `regionCode`, from any seed text. */
export function makeUscc(regionCode: string, seed: string): string {
  let h = 2166136261;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  let body = '';
  for (let i = 0; i < 9; i += 1) {
    body += USCC_CHARS[h % 31];
    h = Math.imul(h ^ (i + 7), 2654435761) >>> 0;
  }
  const first17 = `91${regionCode}${body}`;
  return first17 + usccCheckChar(first17);
}

const DEFAULT_POLLUTANTS: Record<Medium, string[]> = {
  air: ['a00000', 'a21026', 'a21002', 'a34013', 'a19001', 'a01012', 'a01011'],
  water: ['w00000', 'w01018', 'w21003', 'w21011', 'w21001', 'w01001'],
};

/**
 * Registers a monitoring point with MN and PW, creating an enterprise and an outlet for it (tests,
 * benchmarks): a power plant with a GB 13223 outlet for air, a sewage plant with GB 18918 1A for water.
 */
export async function registerPoint(ctx: Ctx, input: { mn: string; pw: string; medium?: Medium; regionCode?: string; pollutants?: string[]; rtdIntervalS?: number; isDemo?: boolean }): Promise<Point> {
  const medium = input.medium ?? 'air';
  const regionCode = input.regionCode ?? '410100';
  const ent = await createEnterprise(ctx, {
    uscc: makeUscc(regionCode, input.mn),
    name: `${medium === 'air' ? '测试电厂' : '测试污水处理厂'} ${input.mn}`,
    regionCode,
    industry: medium === 'air' ? 'thermal_power' : 'sewage_plant',
    centralizedSewage: medium === 'water',
    isDemo: input.isDemo,
  });
  const outlet = await createOutlet(ctx, {
    enterpriseId: ent.id,
    code: medium === 'air' ? 'DA001' : 'DW001',
    name: medium === 'air' ? '1 号机组烟囱' : '总排口',
    medium,
    standardCode: medium === 'air' ? 'GB13223-2011-coal-new' : 'GB18918-2002-1A',
  });
  return createPoint(ctx, { outletId: outlet.id, mn: input.mn, pw: input.pw, pollutants: input.pollutants ?? DEFAULT_POLLUTANTS[medium], rtdIntervalS: input.rtdIntervalS, isDemo: input.isDemo });
}
