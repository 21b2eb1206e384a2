/**
 * Government units (政府机构): create, change, deactivate, read. Every change runs in one
 * transaction with its audit record and its outbox event; what an actor sees and changes is
 * bounded by the region subtrees of their grants.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Ctx } from '../../../platform/context.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish, type HandlerRegistry } from '../../../platform/events/outbox.ts';
import { queryOne, queryRows } from '../../../platform/db/index.ts';
import { AppError, conflict, notFound, type FieldProblem } from '../../../platform/errors.ts';
import { checkUscc } from '../../../platform/identifiers/index.ts';
import { newId } from '../../../platform/ids.ts';
import { units } from '../tables.ts';
import { EVENTS, SCOPES, UNIT_STATUS_LABELS, UNIT_TYPE_LABELS, UNIT_TYPES, isUuid, type UnitStatus, type UnitType } from '../model.ts';
import { assertCanWriteIn, assertWritableRegion, inPrefixes, likeContains, notFoundMessage, prefixesFor, regionCondition, requireScope, toIso, uniqueViolation } from './access.ts';
import { getRegion } from './regions.ts';
import { getEventRegistry } from './registry.ts';

export interface Unit {
  id: string;
  name: string;
  shortName: string | null;
  unitType: UnitType;
  parentId: string | null;
  parentName: string | null;
  regionCode: string;
  regionName: string;
  /** Region with its prefecture for county-level regions, e.g. 郑州市 中原区. */
  regionLabel: string;
  uscc: string | null;
  status: UnitStatus;
  isDemo: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface UnitInput {
  name: string;
  shortName?: string | null;
  unitType: string;
  regionCode: string;
  parentId?: string | null;
  uscc?: string | null;
  /** Demo data only (seedDemo). */
  isDemo?: boolean;
}

/** Absent fields stay as they are; null clears an optional field. */
export interface UnitPatch {
  id: string;
  name?: string;
  shortName?: string | null;
  unitType?: string;
  regionCode?: string;
  parentId?: string | null;
  uscc?: string | null;
}

export interface UnitFilter {
  /** Matches name, short name or credit code. */
  q?: string;
  /** A region code: units in its subtree. */
  region?: string;
  unitType?: string;
  status?: string;
  page?: number;
  pageSize?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

interface UnitSqlRow {
  id: string;
  name: string;
  short_name: string | null;
  unit_type: string;
  parent_id: string | null;
  parent_name: string | null;
  region_code: string;
  region_name: string;
  region_label: string;
  uscc: string | null;
  status: string;
  is_demo: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

const SELECT_UNIT = sql`SELECT u.id, u.name, u.short_name, u.unit_type, u.parent_id, p.name AS parent_name, u.region_code,
    r.name AS region_name, CASE WHEN r.level = 'county' THEN rp.name || ' ' || r.name ELSE r.name END AS region_label,
    u.uscc, u.status, u.is_demo, u.created_at, u.updated_at
  FROM directory.units u
  JOIN directory.regions r ON r.code = u.region_code
  LEFT JOIN directory.regions rp ON rp.code = r.parent_code
  LEFT JOIN directory.units p ON p.id = u.parent_id`;

/** Leadership bodies first, then departments and the rest, each by name. */
const UNIT_ORDER = sql`CASE u.unit_type WHEN 'party_committee' THEN 1 WHEN 'government' THEN 2 WHEN 'congress' THEN 3 WHEN 'cppcc' THEN 4
  WHEN 'court' THEN 5 WHEN 'procuratorate' THEN 6 WHEN 'department' THEN 7 WHEN 'institution' THEN 8 ELSE 9 END`;

function toUnit(r: UnitSqlRow): Unit {
  return {
    id: r.id,
    name: r.name,
    shortName: r.short_name,
    unitType: r.unit_type as UnitType,
    parentId: r.parent_id,
    parentName: r.parent_name,
    regionCode: r.region_code,
    regionName: r.region_name,
    regionLabel: r.region_label,
    uscc: r.uscc,
    status: r.status as UnitStatus,
    isDemo: r.is_demo,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
}

/** Reads a unit without any scope check (internal; callers decide visibility). */
export async function loadUnit(ctx: Ctx, id: string): Promise<Unit | null> {
  if (!isUuid(id)) return null;
  const row = await queryOne<UnitSqlRow>(ctx.db, sql`${SELECT_UNIT} WHERE u.id = ${id}`);
  return row ? toUnit(row) : null;
}

const visibleTo = (ctx: Ctx, regionCode: string) =>
  inPrefixes(prefixesFor(ctx, SCOPES.unitRead), regionCode) || inPrefixes(prefixesFor(ctx, SCOPES.unitWrite), regionCode);

/** A unit the actor may see (directory.unit.read within their regions); 404 otherwise. */
export async function getUnit(ctx: Ctx, id: string): Promise<Unit> {
  const unit = await loadUnit(ctx, id);
  if (!unit || !visibleTo(ctx, unit.regionCode)) throw notFound('unit_not_found', notFoundMessage('unit'));
  return unit;
}

function filterConditions(ctx: Ctx, filter: UnitFilter, regionPrefix: string | null, scope: string): SQL[] {
  const conds: SQL[] = [regionCondition(sql`u.region_code`, prefixesFor(ctx, scope))];
  if (regionPrefix !== null) conds.push(sql`u.region_code LIKE ${`${regionPrefix}%`}`);
  const q = filter.q?.trim().toLowerCase();
  if (q) conds.push(sql`u.search_text LIKE ${likeContains(q)}`);
  if (filter.unitType) conds.push(sql`u.unit_type = ${filter.unitType}`);
  if (filter.status) conds.push(sql`u.status = ${filter.status}`);
  return conds;
}

async function regionPrefixOf(ctx: Ctx, region: string | undefined): Promise<string | null> {
  if (!region) return null;
  const r = await getRegion(ctx, region);
  // An unknown region matches nothing rather than everything.
  return r ? r.subtreePrefix : 'x';
}

export async function listUnits(ctx: Ctx, filter: UnitFilter = {}): Promise<Page<Unit>> {
  const page = Math.max(1, Math.trunc(filter.page ?? 1));
  const pageSize = Math.min(500, Math.max(1, Math.trunc(filter.pageSize ?? 20)));
  const where = sql.join(filterConditions(ctx, filter, await regionPrefixOf(ctx, filter.region), SCOPES.unitRead), sql` AND `);
  const total = await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM directory.units u WHERE ${where}`);
  const rows = await queryRows<UnitSqlRow>(
    ctx.db,
    sql`${SELECT_UNIT} WHERE ${where} ORDER BY u.region_code, ${UNIT_ORDER}, u.name, u.id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
  );
  return { items: rows.map(toUnit), total: Number(total?.n ?? 0), page, pageSize };
}

/** Every visible unit matching the filter, for export (no paging). */
export async function listAllUnits(ctx: Ctx, filter: Omit<UnitFilter, 'page' | 'pageSize'> = {}): Promise<Unit[]> {
  const where = sql.join(filterConditions(ctx, filter, await regionPrefixOf(ctx, filter.region), SCOPES.unitRead), sql` AND `);
  const rows = await queryRows<UnitSqlRow>(ctx.db, sql`${SELECT_UNIT} WHERE ${where} ORDER BY u.region_code, ${UNIT_ORDER}, u.name, u.id`);
  return rows.map(toUnit);
}

export interface PickerItem {
  id: string;
  name: string;
  regionCode: string;
  regionLabel: string;
}

/** Possible parents of a unit in `regionCode`: active units of the same region or one above it. */
export async function listParentCandidates(ctx: Ctx, input: { regionCode: string; excludeId?: string }): Promise<PickerItem[]> {
  if (!/^\d{6}$/.test(input.regionCode)) return [];
  const rows = await queryRows<UnitSqlRow>(
    ctx.db,
    sql`${SELECT_UNIT} WHERE u.status = 'active' AND ${input.regionCode} LIKE r.subtree_prefix || '%'
        ${input.excludeId ? sql`AND u.id <> ${input.excludeId}` : sql``}
        ORDER BY length(r.subtree_prefix), u.region_code, ${UNIT_ORDER}, u.name`,
  );
  return rows.map((r) => ({ id: r.id, name: r.name, regionCode: r.region_code, regionLabel: r.region_label }));
}

// ---------------------------------------------------------------------------------------------
// Validation

interface Normalized {
  name: string;
  shortName: string | null;
  unitType: string;
  regionCode: string;
  parentId: string | null;
  uscc: string | null;
}

export interface Problem extends FieldProblem {
  code: string;
  status: number;
}

const CONTROL = /\p{Cc}/u;
const clean = (v: string | null | undefined): string | null => {
  const t = (v ?? '').trim();
  return t === '' ? null : t;
};

export function normalizeUnitInput(input: Omit<UnitInput, 'isDemo'>): Normalized {
  return {
    name: (input.name ?? '').trim(),
    shortName: clean(input.shortName),
    unitType: (input.unitType ?? '').trim(),
    regionCode: (input.regionCode ?? '').trim(),
    parentId: clean(input.parentId),
    uscc: clean(input.uscc)?.toUpperCase() ?? null,
  };
}

/** Every problem of a would-be unit state, with field names as in the forms and the API. */
export async function validateUnit(ctx: Ctx, v: Normalized, selfId: string | null): Promise<Problem[]> {
  const problems: Problem[] = [];
  const p = (field: string, code: string, message: string, status = 400) => problems.push({ field, code, message, status });
  const nameLength = [...v.name].length;
  if (nameLength < 2) p('name', 'name_too_short', '「单位名称」至少 2 个字符');
  else if (nameLength > 100) p('name', 'name_too_long', '「单位名称」不能超过 100 个字符');
  else if (CONTROL.test(v.name)) p('name', 'name_invalid', '「单位名称」不能包含控制字符');
  if (v.shortName !== null && ([...v.shortName].length > 50 || CONTROL.test(v.shortName))) p('shortName', 'short_name_invalid', '「简称」不能超过 50 个字符, 且不能包含控制字符');
  if (!(UNIT_TYPES as readonly string[]).includes(v.unitType)) p('unitType', 'unit_type_invalid', '「单位类型」的取值不在允许范围内');

  const region = /^\d{6}$/.test(v.regionCode) ? await getRegion(ctx, v.regionCode) : null;
  if (!region) p('regionCode', 'region_not_found', `「所在行政区划」${v.regionCode ? `代码 ${v.regionCode} ` : ''}不存在`);
  else if (!region.active) p('regionCode', 'region_inactive', `行政区划 ${region.name} (${region.code}) 已撤销, 不能再新设或调入单位`);

  if (v.parentId !== null) {
    const parent = await loadUnit(ctx, v.parentId);
    if (!parent) p('parentId', 'parent_not_found', '「上级单位」不存在');
    else if (selfId !== null && parent.id === selfId) p('parentId', 'parent_cycle', '上级单位不能是本单位');
    else {
      const parentRegion = await getRegion(ctx, parent.regionCode);
      if (region && parentRegion && !region.code.startsWith(parentRegion.subtreePrefix)) {
        p('parentId', 'parent_region', `上级单位「${parent.name}」所在区划 (${parent.regionLabel}) 不是本单位所在区划或其上级区划`);
      }
      if (parent.status !== 'active') p('parentId', 'parent_inactive', `上级单位「${parent.name}」已停用`);
      if (selfId !== null && (await isDescendant(ctx, parent.id, selfId))) p('parentId', 'parent_cycle', `「${parent.name}」是本单位的下级单位, 不能作为上级单位`);
    }
  }

  if (v.uscc !== null) {
    const check = checkUscc(v.uscc);
    if (!check.valid) p('uscc', 'uscc_invalid', `统一社会信用代码有误: ${check.reason}`);
    else {
      const taken = await queryOne<{ id: string }>(ctx.db, sql`SELECT id FROM directory.units WHERE uscc = ${v.uscc} ${selfId ? sql`AND id <> ${selfId}` : sql``}`);
      if (taken) p('uscc', 'uscc_taken', '该统一社会信用代码已登记给其他单位', 409);
    }
  }
  if (region && nameLength >= 2) {
    const same = await queryOne<{ id: string }>(
      ctx.db,
      sql`SELECT id FROM directory.units WHERE region_code = ${v.regionCode} AND name = ${v.name} ${selfId ? sql`AND id <> ${selfId}` : sql``}`,
    );
    if (same) p('name', 'unit_name_taken', `本行政区划内已有名为「${v.name}」的单位`, 409);
  }
  return problems;
}

/** Whether `candidate` lies below `ancestorId` in the unit hierarchy. */
async function isDescendant(ctx: Ctx, candidate: string, ancestorId: string): Promise<boolean> {
  const row = await queryOne<{ found: boolean }>(
    ctx.db,
    sql`WITH RECURSIVE up(id, parent_id, depth) AS (
          SELECT id, parent_id, 0 FROM directory.units WHERE id = ${candidate}
          UNION ALL SELECT u.id, u.parent_id, up.depth + 1 FROM directory.units u JOIN up ON u.id = up.parent_id WHERE up.depth < 50)
        SELECT EXISTS (SELECT 1 FROM up WHERE parent_id = ${ancestorId}) AS found`,
  );
  return Boolean(row?.found);
}

/** One refusal for a set of problems: the problem's own code when there is one, else validation_failed. */
export function problemsError(problems: Problem[]): AppError {
  const single = problems.length === 1 ? problems[0] : null;
  return new AppError({
    code: single ? single.code : 'validation_failed',
    status: single ? single.status : 400,
    message: problems.map((x) => x.message).join('; '),
    fields: problems.map(({ field, message }) => ({ field, message })),
  });
}

export const searchTextOf = (v: Pick<Normalized, 'name' | 'shortName' | 'uscc'>): string => [v.name, v.shortName ?? '', v.uscc ?? ''].join(' ').toLowerCase();

function rethrowUnique(err: unknown): never {
  const constraint = uniqueViolation(err);
  if (constraint !== null) {
    if (constraint.includes('uscc')) throw conflict('uscc_taken', '该统一社会信用代码已登记给其他单位');
    throw conflict('unit_name_taken', '本行政区划内已有同名单位');
  }
  throw err;
}

function eventPayload(unit: Unit, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { unitId: unit.id, name: unit.name, unitType: unit.unitType, regionCode: unit.regionCode, parentId: unit.parentId, status: unit.status, ...extra };
}

async function publishUnitEvent(ctx: Ctx, events: HandlerRegistry, type: string, unit: Unit, extra: Record<string, unknown> = {}): Promise<void> {
  await publish(ctx, events, { type, orderingKey: unit.id, payload: eventPayload(unit, extra) });
}

// ---------------------------------------------------------------------------------------------
// Changes

export async function createUnit(ctx: Ctx, input: UnitInput): Promise<Unit> {
  requireScope(ctx, SCOPES.unitWrite);
  const v = normalizeUnitInput(input);
  return inTransaction(ctx, async (tctx) => {
    const problems = await validateUnit(tctx, v, null);
    // Outside the actor's regions: a refusal of its own, not a field problem.
    if (!problems.some((x) => x.field === 'regionCode')) {
      assertCanWriteIn(tctx, { scope: SCOPES.unitWrite, regionCode: v.regionCode });
    }
    if (problems.length > 0) throw problemsError(problems);
    const id = newId();
    const now = tctx.clock.now();
    try {
      await tctx.db.insert(units).values({ id, ...v, status: 'active', isDemo: input.isDemo ?? false, createdAt: now, updatedAt: now, searchText: searchTextOf(v) });
    } catch (err) {
      rethrowUnique(err);
    }
    const unit = (await loadUnit(tctx, id))!;
    audit(tctx, {
      action: 'directory.unit.create',
      targetType: 'directory.unit',
      targetId: id,
      targetLabel: unit.name,
      details: { name: v.name, shortName: v.shortName, unitType: v.unitType, regionCode: v.regionCode, parentId: v.parentId, uscc: v.uscc, isDemo: input.isDemo ?? false },
    });
    await publishUnitEvent(tctx, getEventRegistry(), EVENTS.unitCreated, unit);
    return unit;
  });
}

const FIELD_KEYS = ['name', 'shortName', 'unitType', 'regionCode', 'parentId', 'uscc'] as const;

/** Applies a patch; a patch that changes nothing writes nothing (no audit record, no event). */
export async function updateUnit(ctx: Ctx, input: UnitPatch): Promise<Unit> {
  return (await patchUnit(ctx, input)).unit;
}

/** updateUnit, also telling which fields changed (empty: nothing written). */
export async function patchUnit(ctx: Ctx, input: UnitPatch): Promise<{ unit: Unit; changed: string[] }> {
  requireScope(ctx, SCOPES.unitWrite);
  return inTransaction(ctx, async (tctx) => {
    const existing = await loadUnit(tctx, input.id);
    if (!existing || !visibleTo(tctx, existing.regionCode)) throw notFound('unit_not_found', notFoundMessage('unit'));
    assertWritableRegion(tctx, { regionCode: existing.regionCode, readScope: SCOPES.unitRead, writeScope: SCOPES.unitWrite, what: 'unit' });
    const merged = normalizeUnitInput({
      name: input.name ?? existing.name,
      shortName: input.shortName === undefined ? existing.shortName : input.shortName,
      unitType: input.unitType ?? existing.unitType,
      regionCode: input.regionCode ?? existing.regionCode,
      parentId: input.parentId === undefined ? existing.parentId : input.parentId,
      uscc: input.uscc === undefined ? existing.uscc : input.uscc,
    });
    const changes: Record<string, { from: string | null; to: string | null }> = {};
    for (const k of FIELD_KEYS) if ((existing[k] ?? null) !== merged[k]) changes[k] = { from: existing[k] ?? null, to: merged[k] };
    if (Object.keys(changes).length === 0) return { unit: existing, changed: [] };

    const problems = await validateUnit(tctx, merged, existing.id);
    if (changes.regionCode && !problems.some((x) => x.field === 'regionCode')) {
      assertCanWriteIn(tctx, { scope: SCOPES.unitWrite, regionCode: merged.regionCode });
      const region = await getRegion(tctx, merged.regionCode);
      const outside = await queryRows<{ name: string }>(
        tctx.db,
        sql`SELECT name FROM directory.units WHERE parent_id = ${existing.id} AND region_code NOT LIKE ${`${region?.subtreePrefix ?? 'x'}%`} ORDER BY name LIMIT 3`,
      );
      if (outside.length > 0) {
        problems.push({ field: 'regionCode', code: 'children_outside_region', status: 409, message: `下级单位「${outside.map((o) => o.name).join('」「')}」不在新区划范围内, 请先调整下级单位` });
      }
    }
    if (problems.length > 0) throw problemsError(problems);
    try {
      await tctx.db
        .update(units)
        .set({ ...merged, updatedAt: tctx.clock.now(), searchText: searchTextOf(merged) })
        .where(eq(units.id, existing.id));
    } catch (err) {
      rethrowUnique(err);
    }
    const unit = (await loadUnit(tctx, existing.id))!;
    audit(tctx, { action: 'directory.unit.update', targetType: 'directory.unit', targetId: unit.id, targetLabel: unit.name, details: { changes } });
    await publishUnitEvent(tctx, getEventRegistry(), EVENTS.unitUpdated, unit, { changed: Object.keys(changes) });
    return { unit, changed: Object.keys(changes) };
  });
}

async function setStatus(ctx: Ctx, input: { id: string; to: UnitStatus; reason?: string }): Promise<Unit> {
  requireScope(ctx, SCOPES.unitWrite);
  const reason = clean(input.reason);
  if (reason !== null && [...reason].length > 500) throw problemsError([{ field: 'reason', code: 'reason_too_long', status: 400, message: '「原因」不能超过 500 个字符' }]);
  return inTransaction(ctx, async (tctx) => {
    const existing = await loadUnit(tctx, input.id);
    if (!existing || !visibleTo(tctx, existing.regionCode)) throw notFound('unit_not_found', notFoundMessage('unit'));
    assertWritableRegion(tctx, { regionCode: existing.regionCode, readScope: SCOPES.unitRead, writeScope: SCOPES.unitWrite, what: 'unit' });
    if (existing.status === input.to) {
      throw conflict(input.to === 'inactive' ? 'already_inactive' : 'already_active', `该单位已经是「${UNIT_STATUS_LABELS[input.to]}」状态`);
    }
    if (input.to === 'inactive') {
      const children = await queryRows<{ name: string }>(tctx.db, sql`SELECT name FROM directory.units WHERE parent_id = ${existing.id} AND status = 'active' ORDER BY name LIMIT 3`);
      if (children.length > 0) {
        throw conflict('has_active_children', `该单位还有正常状态的下级单位 (如「${children.map((c) => c.name).join('」「')}」), 请先停用下级单位或调整其上级单位`);
      }
    } else if (existing.parentId) {
      const parent = await loadUnit(tctx, existing.parentId);
      if (parent && parent.status !== 'active') throw conflict('parent_inactive', `上级单位「${parent.name}」已停用, 请先启用上级单位或调整本单位的上级单位`);
    }
    await tctx.db.update(units).set({ status: input.to, updatedAt: tctx.clock.now() }).where(and(eq(units.id, existing.id)));
    const unit = (await loadUnit(tctx, existing.id))!;
    const deactivating = input.to === 'inactive';
    audit(tctx, {
      action: deactivating ? 'directory.unit.deactivate' : 'directory.unit.reactivate',
      targetType: 'directory.unit',
      targetId: unit.id,
      targetLabel: unit.name,
      details: { changes: { status: { from: existing.status, to: input.to } }, reason },
    });
    await publishUnitEvent(tctx, getEventRegistry(), deactivating ? EVENTS.unitDeactivated : EVENTS.unitReactivated, unit, { reason });
    return unit;
  });
}

export function deactivateUnit(ctx: Ctx, input: { id: string; reason?: string }): Promise<Unit> {
  return setStatus(ctx, { id: input.id, to: 'inactive', reason: input.reason });
}

export function reactivateUnit(ctx: Ctx, input: { id: string; reason?: string }): Promise<Unit> {
  return setStatus(ctx, { id: input.id, to: 'active', reason: input.reason });
}

export const unitTypeLabel = (t: string): string => UNIT_TYPE_LABELS[t as UnitType] ?? t;

/** Names of units by id (for showing history); unknown ids are left out. */
export async function unitNamesByIds(ctx: Ctx, ids: string[]): Promise<Map<string, string>> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return new Map();
  const rows = await queryRows<{ id: string; name: string }>(ctx.db, sql`SELECT id, name FROM directory.units WHERE id IN ${valid}`);
  return new Map(rows.map((r) => [r.id, r.name]));
}

export interface PublicUnit {
  name: string;
  unitType: UnitType;
  regionCode: string;
  regionLabel: string;
  isDemo: boolean;
}

/** The public directory (政府机构名录): active units with public facts only; no scope needed. */
export async function listPublicUnits(ctx: Ctx, input: { region?: string; q?: string; page?: number; pageSize?: number }): Promise<Page<PublicUnit>> {
  const page = Math.max(1, Math.trunc(input.page ?? 1));
  const pageSize = Math.min(100, Math.max(1, Math.trunc(input.pageSize ?? 50)));
  const conds: SQL[] = [sql`u.status = 'active'`];
  const prefix = await regionPrefixOf(ctx, input.region);
  if (prefix !== null) conds.push(sql`u.region_code LIKE ${`${prefix}%`}`);
  const q = input.q?.trim().toLowerCase();
  if (q) conds.push(sql`lower(u.name || ' ' || coalesce(u.short_name, '')) LIKE ${likeContains(q)}`);
  const where = sql.join(conds, sql` AND `);
  const total = await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM directory.units u WHERE ${where}`);
  const rows = await queryRows<UnitSqlRow>(ctx.db, sql`${SELECT_UNIT} WHERE ${where} ORDER BY u.region_code, ${UNIT_ORDER}, u.name LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
  return {
    items: rows.map((r) => ({ name: r.name, unitType: r.unit_type as UnitType, regionCode: r.region_code, regionLabel: r.region_label, isDemo: r.is_demo })),
    total: Number(total?.n ?? 0),
    page,
    pageSize,
  };
}
