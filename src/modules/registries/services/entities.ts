/**
 * The legal-entity registry (法人单位基础信息库): lookup, batch lookup and search (the legal
 * representative's ID number masked unless full view + purpose; every read logged), and the market
 * regulation department's registration, change and deregistration (events with the data the tax
 * side needs), annual reports, the abnormal-operation list and corrections.
 */
import type { Ctx } from '../../../platform/context.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { newId } from '../../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import type { SQL } from 'drizzle-orm';
import { AppError, badRequest, conflict, notFound } from '../../../platform/errors.ts';
import { maskIdNumber } from '../../../platform/identifiers/index.ts';
import { ENTITY_STATUS_LABELS, ENTITY_TYPES, INDUSTRY_DIVISIONS, label, type EntityStatus } from '../codes.ts';
import { ENTITY_CHANGE_LABELS, EVENTS, SCOPES, type EntityView } from '../model.ts';
import { actorUnit, fullViewAllowed, normalPurpose, regionOk, requireScope, visiblePrefixes } from './access.ts';
import { logAccess } from './access-log.ts';
import { day, fieldSourcesOf, isoT, type StoredFieldSources } from './rows.ts';
import { regionFilter, type ReadInput, type SearchInput } from './persons.ts';
import { checkIdNumber, entityCodeChecks, knownRegions, requireDates, usccFlag, type Problem } from './validate.ts';

export interface EntityRow {
  uscc: string;
  uscc_valid: boolean;
  uscc_problem: string | null;
  name: string;
  entity_type: string;
  legal_rep_name: string;
  legal_rep_id_number: string | null;
  registered_capital: string | number | null;
  currency: string;
  established_on: string | Date;
  business_scope: string;
  industry_code: string;
  region_code: string;
  address: string;
  authority_name: string;
  authority_unit_id: string | null;
  status: EntityStatus;
  status_date: string | Date | null;
  status_reason: string | null;
  source_unit_id: string | null;
  source_name: string;
  source_at: string | Date;
  field_sources: StoredFieldSources;
  version: number;
  is_demo: boolean;
  updated_at: string | Date;
}


export function entityView(r: EntityRow, full: boolean): EntityView {
  const fieldSources = fieldSourcesOf(r.field_sources);
  const ind = INDUSTRY_DIVISIONS[r.industry_code];
  return {
    uscc: r.uscc,
    usccValid: r.uscc_valid,
    usccProblem: r.uscc_problem,
    masked: !full,
    name: r.name,
    entityType: r.entity_type,
    entityTypeLabel: label(ENTITY_TYPES, r.entity_type),
    legalRepName: r.legal_rep_name,
    legalRepIdNumber: r.legal_rep_id_number ? (full ? r.legal_rep_id_number : maskIdNumber(r.legal_rep_id_number)) : null,
    registeredCapital: r.registered_capital === null ? null : Number(r.registered_capital),
    currency: r.currency,
    establishedOn: day(r.established_on)!,
    businessScope: r.business_scope,
    industryCode: r.industry_code,
    industryLabel: ind ? ind.name : `未知代码 ${r.industry_code}`,
    industrySection: ind ? `${ind.section} ${ind.sectionName}` : '—',
    regionCode: r.region_code,
    address: r.address,
    authorityName: r.authority_name,
    status: r.status,
    statusLabel: ENTITY_STATUS_LABELS[r.status],
    statusDate: day(r.status_date),
    statusReason: r.status_reason,
    source: { unitId: r.source_unit_id, name: r.source_name, at: isoT(r.source_at) },
    fieldSources,
    version: r.version,
    isDemo: r.is_demo,
    updatedAt: isoT(r.updated_at),
  };
}

const normalUscc = (v: string) => v.trim().toUpperCase();

export async function loadRows(ctx: Ctx, keys: string[], lock = false): Promise<EntityRow[]> {
  if (keys.length === 0) return [];
  return queryRows<EntityRow>(ctx.db, sql`SELECT * FROM registries.entities WHERE uscc IN (${sql.join(keys.map((k) => sql`${k}`), sql`, `)})${lock ? sql` FOR UPDATE` : sql``}`);
}

async function auditFullRead(ctx: Ctx, keys: string[], purpose: string): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    audit(tctx, { action: 'registries.entity.read_full', targetType: 'registries.entity', targetId: keys.length === 1 ? keys[0] : `batch:${keys.length}`, purpose, details: keys.length > 1 ? { count: keys.length } : undefined });
  });
}

export async function getEntity(ctx: Ctx, input: { uscc: string } & ReadInput): Promise<EntityView> {
  requireScope(ctx, SCOPES.entityRead);
  const purpose = normalPurpose(input.purpose);
  const key = normalUscc(input.uscc);
  const row = key.length === 18 ? await queryOne<EntityRow>(ctx.db, sql`SELECT * FROM registries.entities WHERE uscc = ${key}`) : undefined;
  if (!row || !regionOk(visiblePrefixes(ctx, SCOPES.entityRead), row.region_code)) throw notFound('entity_not_found', '未找到该统一社会信用代码的法人单位, 或不在您的辖区内。');
  const full = fullViewAllowed(ctx, SCOPES.entityReadFull, row.region_code, purpose);
  await logAccess(ctx, SCOPES.entityRead, [{ recordType: 'entity', recordKey: row.uscc, channel: input.channel ?? 'api', purpose, fullView: full }]);
  if (full) await auditFullRead(ctx, [row.uscc], purpose!);
  return entityView(row, full);
}

export async function batchEntities(ctx: Ctx, input: { usccs: string[] } & ReadInput): Promise<{ found: EntityView[]; notFound: string[] }> {
  requireScope(ctx, SCOPES.entityRead);
  const purpose = normalPurpose(input.purpose);
  const keys = [...new Set(input.usccs.map(normalUscc))];
  if (keys.length > 1000) throw badRequest('batch_too_large', '一次最多查询 1000 个代码。');
  const prefixes = visiblePrefixes(ctx, SCOPES.entityRead);
  const rows = (await loadRows(ctx, keys.filter((k) => k.length === 18))).filter((r) => regionOk(prefixes, r.region_code));
  const views = rows.map((r) => ({ r, full: fullViewAllowed(ctx, SCOPES.entityReadFull, r.region_code, purpose) }));
  await logAccess(ctx, SCOPES.entityRead, views.map(({ r, full }) => ({ recordType: 'entity', recordKey: r.uscc, channel: 'batch', purpose, fullView: full })));
  const fullKeys = views.filter((v) => v.full).map((v) => v.r.uscc);
  if (fullKeys.length) await auditFullRead(ctx, fullKeys, purpose!);
  const seen = new Set(rows.map((r) => r.uscc));
  return { found: views.map(({ r, full }) => entityView(r, full)), notFound: keys.filter((k) => !seen.has(k)) };
}

/** By exact name (and region subtree). */
export async function searchEntities(ctx: Ctx, input: SearchInput): Promise<{ items: EntityView[]; page: number; pageSize: number; more: boolean }> {
  requireScope(ctx, SCOPES.entityRead);
  const purpose = normalPurpose(input.purpose);
  const name = input.name.trim();
  if (!name) throw badRequest('name_required', '请输入名称。', [{ field: 'name', message: '请输入名称' }]);
  const page = Math.max(1, input.page ?? 1);
  const pageSize = Math.min(100, Math.max(1, input.pageSize ?? 20));
  const rows = await queryRows<EntityRow>(ctx.db, sql`SELECT * FROM registries.entities
    WHERE name = ${name} AND ${regionFilter(sql`region_code`, visiblePrefixes(ctx, SCOPES.entityRead), input.regionCode)}
    ORDER BY region_code, uscc LIMIT ${pageSize + 1} OFFSET ${(page - 1) * pageSize}`);
  const more = rows.length > pageSize;
  const items = rows.slice(0, pageSize).map((r) => ({ r, full: fullViewAllowed(ctx, SCOPES.entityReadFull, r.region_code, purpose) }));
  await logAccess(ctx, SCOPES.entityRead, items.map(({ r, full }) => ({ recordType: 'entity', recordKey: r.uscc, channel: 'search', purpose, fullView: full })));
  return { items: items.map(({ r, full }) => entityView(r, full)), page, pageSize, more };
}

// --- registration (market regulation) ----------------------------------------------------------

export interface EntityInput {
  uscc: string;
  name: string;
  entityType: string;
  legalRepName: string;
  legalRepIdNumber?: string | null;
  registeredCapital?: number | null;
  currency?: string;
  establishedOn: string;
  businessScope?: string;
  industryCode: string;
  regionCode: string;
  address: string;
  authorityName?: string;
}

type Changes = Record<string, { from: unknown; to: unknown }>;

function refuse(problems: Problem[]): never {
  throw new AppError({ code: 'validation_failed', status: 422, message: problems.map((p) => p.message).join('; '), fields: problems.map((p) => ({ field: p.column, message: p.message })) });
}

export function sourceOf(ctx: Ctx): { unitId: string | null; name: string } {
  const u = actorUnit(ctx, SCOPES.entityWrite);
  return { unitId: u.unitId, name: u.unitName || ctx.actor.name };
}

async function checkEntityInput(ctx: Ctx, e: Partial<EntityInput>): Promise<void> {
  const problems: Problem[] = [];
  if (e.entityType !== undefined || e.industryCode !== undefined || e.currency !== undefined) {
    problems.push(...entityCodeChecks({ entityType: e.entityType ?? '1100', industryCode: e.industryCode ?? '01', currency: e.currency ?? 'CNY' }));
  }
  if (e.legalRepIdNumber) {
    const bad = checkIdNumber(e.legalRepIdNumber.toUpperCase(), 'legalRepIdNumber', ctx.clock.now());
    if (bad) problems.push({ column: 'legalRepIdNumber', message: `法定代表人身份号码: ${bad.message}` });
  }
  if (e.regionCode !== undefined) {
    if (!(await knownRegions(ctx)).has(e.regionCode)) problems.push({ column: 'regionCode', message: `行政区划代码 ${e.regionCode} 不在组织目录的区划中` });
    else if (!regionOk(visiblePrefixes(ctx, SCOPES.entityWrite), e.regionCode)) problems.push({ column: 'regionCode', message: `区划 ${e.regionCode} 不在您的辖区内` });
  }
  if (problems.length) refuse(problems);
}

/**
 * The data the tax side needs with every registration event (工商企注字〔2015〕228号). `recordedAt`
 * is when the registry wrote the change (the commit, within the transaction's clock), from which the
 * tax side measures delivery latency.
 */
export function taxPayload(r: EntityRow, type: string, changes: Changes | null): Record<string, unknown> {
  return {
    type,
    recordedAt: isoT(r.updated_at),
    uscc: r.uscc,
    usccValid: r.uscc_valid,
    name: r.name,
    entityType: r.entity_type,
    legalRepresentative: { name: r.legal_rep_name, idNumber: r.legal_rep_id_number },
    registeredCapital: r.registered_capital === null ? null : Number(r.registered_capital),
    currency: r.currency,
    establishedOn: day(r.established_on),
    businessScope: r.business_scope,
    industryCode: r.industry_code,
    regionCode: r.region_code,
    address: r.address,
    authority: r.authority_name,
    status: r.status,
    statusDate: day(r.status_date),
    changes,
  };
}

export async function history(ctx: Ctx, uscc: string, type: string, changes: Changes, src: { unitId: string | null; name: string }, occurredOn: string | null, note: string | null): Promise<void> {
  await ctx.db.execute(sql`INSERT INTO registries.entity_changes (id, uscc, type, occurred_on, changes, note, source_unit_id, source_name, actor_user_id, actor_name, request_id, recorded_at)
    VALUES (${newId()}, ${uscc}, ${type}, ${occurredOn}, ${JSON.stringify(changes)}::jsonb, ${note}, ${src.unitId}, ${src.name}, ${ctx.actor.userId}, ${ctx.actor.name}, ${ctx.requestId}, ${ctx.clock.now().toISOString()})`);
}

/** 设立登记. */
export async function registerEntity(ctx: Ctx, input: EntityInput): Promise<EntityView> {
  requireScope(ctx, SCOPES.entityWrite);
  const uscc = normalUscc(input.uscc);
  requireDates({ establishedOn: input.establishedOn });
  const flag = usccFlag(uscc);
  if (flag.refuse || !flag.valid) refuse([{ column: 'uscc', message: `统一社会信用代码: ${flag.problem}` }]);
  await checkEntityInput(ctx, input);
  return inTransaction(ctx, async (tctx) => {
    if ((await loadRows(tctx, [uscc], true)).length) throw conflict('entity_exists', `统一社会信用代码 ${uscc} 已登记。`);
    const src = sourceOf(tctx);
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO registries.entities (uscc, uscc_valid, name, entity_type, legal_rep_name, legal_rep_id_number, registered_capital, currency,
        established_on, business_scope, industry_code, region_code, address, authority_name, authority_unit_id, status, source_unit_id, source_name, source_at, created_at, updated_at)
      VALUES (${uscc}, true, ${input.name.trim()}, ${input.entityType}, ${input.legalRepName.trim()}, ${input.legalRepIdNumber?.toUpperCase() ?? null}, ${input.registeredCapital ?? null},
        ${input.currency ?? 'CNY'}, ${input.establishedOn}, ${input.businessScope ?? ''}, ${input.industryCode}, ${input.regionCode}, ${input.address},
        ${input.authorityName?.trim() || src.name}, ${src.unitId}, 'active', ${src.unitId}, ${src.name}, ${now}, ${now}, ${now})`);
    const [row] = await loadRows(tctx, [uscc]);
    await history(tctx, uscc, 'registered', {}, src, input.establishedOn, null);
    audit(tctx, { action: 'registries.entity.register', targetType: 'registries.entity', targetId: uscc, targetLabel: row.name });
    await publish(tctx, { type: EVENTS.entityRegistered, orderingKey: uscc, payload: taxPayload(row, 'registered', null) });
    return entityView(row, false);
  });
}

const CHANGE_COLUMNS: Record<string, string> = {
  name: 'name', entityType: 'entity_type', legalRepName: 'legal_rep_name', legalRepIdNumber: 'legal_rep_id_number', registeredCapital: 'registered_capital',
  currency: 'currency', businessScope: 'business_scope', industryCode: 'industry_code', regionCode: 'region_code', address: 'address', authorityName: 'authority_name',
};
export const CHANGE_LABELS: Record<string, string> = {
  name: '名称', entityType: '主体类型', legalRepName: '法定代表人', legalRepIdNumber: '法定代表人身份号码', registeredCapital: '注册资本', currency: '币种',
  businessScope: '经营范围', industryCode: '行业代码', regionCode: '住所所在区划', address: '住所', authorityName: '登记机关',
};

export type EntityChangeInput = Partial<Omit<EntityInput, 'uscc' | 'establishedOn'>> & { uscc: string; occurredOn?: string; note?: string; correction?: boolean };

/** 变更登记 (or, with `correction`, a correction of wrong data: event `changed` with kind correction). */
export async function changeEntity(ctx: Ctx, input: EntityChangeInput): Promise<EntityView> {
  requireScope(ctx, SCOPES.entityWrite);
  requireDates({ occurredOn: input.occurredOn });
  await checkEntityInput(ctx, input);
  return inTransaction(ctx, async (tctx) => {
    const row = await lockEntity(tctx, input.uscc);
    if (row.status !== 'active' && !input.correction) throw conflict('entity_not_active', `该主体已${ENTITY_STATUS_LABELS[row.status]}, 不能办理变更登记。`);
    const changes: Changes = {};
    const sets: SQL[] = [];
    const now = tctx.clock.now().toISOString();
    const meta = { ...(row.field_sources ?? {}) };
    const src = sourceOf(tctx);
    for (const [k, col] of Object.entries(CHANGE_COLUMNS)) {
      let v = (input as Record<string, unknown>)[k];
      if (v === undefined) continue;
      if (typeof v === 'string') v = k === 'legalRepIdNumber' ? v.trim().toUpperCase() || null : v.trim();
      const from = (row as unknown as Record<string, unknown>)[col];
      const same = k === 'registeredCapital' ? (from === null ? null : Number(from)) === v : from === v;
      if (same) continue;
      changes[col] = { from: col === 'registered_capital' && from !== null ? Number(from) : from, to: v };
      sets.push(sql`${sql.raw(col)} = ${v as string | number | null}`);
      meta[col] = { u: src.unitId, n: src.name, t: now };
    }
    if (sets.length === 0) throw badRequest('nothing_changed', '没有变更任何事项。');
    await tctx.db.execute(sql`UPDATE registries.entities SET ${sql.join(sets, sql`, `)}, field_sources = ${JSON.stringify(meta)}::jsonb, version = version + 1, updated_at = ${now} WHERE uscc = ${row.uscc}`);
    const type = input.correction ? 'correction' : 'changed';
    await history(tctx, row.uscc, type, changes, src, input.occurredOn ?? now.slice(0, 10), input.note ?? null);
    const [after] = await loadRows(tctx, [row.uscc]);
    audit(tctx, { action: input.correction ? 'registries.entity.correct' : 'registries.entity.change', targetType: 'registries.entity', targetId: row.uscc, targetLabel: after.name, details: { fields: Object.keys(changes), note: input.note } });
    await publish(tctx, { type: EVENTS.entityChanged, orderingKey: row.uscc, payload: taxPayload(after, type, changes) });
    return entityView(after, false);
  });
}

export async function lockEntity(ctx: Ctx, uscc: string): Promise<EntityRow> {
  const key = normalUscc(uscc);
  const [row] = await loadRows(ctx, [key], true);
  if (!row || !regionOk(visiblePrefixes(ctx, SCOPES.entityWrite), row.region_code)) throw notFound('entity_not_found', '未找到该法人单位, 或不在您的辖区内。');
  return row;
}

/**
 * 注销 (cancelled), 吊销 (revoked) or 迁出 (moved_out). A 注销 requested through
 * `requestDeregistration` ends here once every tax authority has cleared; a pending request is
 * closed with it (completed by a 注销, superseded by a 吊销 or 迁出).
 */
export async function deregisterEntity(ctx: Ctx, input: { uscc: string; status: Exclude<EntityStatus, 'active'>; occurredOn: string; reason: string }): Promise<EntityView> {
  requireScope(ctx, SCOPES.entityWrite);
  requireDates({ occurredOn: input.occurredOn });
  return inTransaction(ctx, async (tctx) => {
    const row = await lockEntity(tctx, input.uscc);
    if (row.status !== 'active') throw conflict('entity_not_active', `该主体已${ENTITY_STATUS_LABELS[row.status]}。`);
    const now = tctx.clock.now().toISOString();
    const src = sourceOf(tctx);
    const meta = { ...(row.field_sources ?? {}), status: { u: src.unitId, n: src.name, t: now } };
    await tctx.db.execute(sql`UPDATE registries.entities SET status = ${input.status}, status_date = ${input.occurredOn}, status_reason = ${input.reason.trim()},
        field_sources = ${JSON.stringify(meta)}::jsonb, version = version + 1, updated_at = ${now} WHERE uscc = ${row.uscc}`);
    await tctx.db.execute(sql`UPDATE registries.deregistration_requests SET status = ${input.status === 'cancelled' ? 'completed' : 'superseded'}, closed_at = ${now}
      WHERE uscc = ${row.uscc} AND status = 'pending'`);
    const type = input.status === 'cancelled' ? 'deregistered' : input.status;
    const changes: Changes = { status: { from: row.status, to: input.status } };
    await history(tctx, row.uscc, type, changes, src, input.occurredOn, input.reason.trim());
    const [after] = await loadRows(tctx, [row.uscc]);
    audit(tctx, { action: `registries.entity.${type}`, targetType: 'registries.entity', targetId: row.uscc, targetLabel: row.name, details: { reason: input.reason } });
    await publish(tctx, { type: EVENTS.entityDeregistered, orderingKey: row.uscc, payload: { ...taxPayload(after, type, changes), reason: input.reason.trim() } });
    return entityView(after, false);
  });
}

export interface AnnualReportInput {
  uscc: string;
  year: number;
  submittedOn: string;
  employees?: number | null;
  revenue?: number | null;
  totalAssets?: number | null;
  operatingStatus?: string;
}

export async function fileAnnualReport(ctx: Ctx, input: AnnualReportInput): Promise<void> {
  requireScope(ctx, SCOPES.entityWrite);
  requireDates({ submittedOn: input.submittedOn });
  await inTransaction(ctx, async (tctx) => {
    const row = await lockEntity(tctx, input.uscc);
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO registries.annual_reports (uscc, year, submitted_on, employees, revenue, total_assets, operating_status, recorded_at)
      VALUES (${row.uscc}, ${input.year}, ${input.submittedOn}, ${input.employees ?? null}, ${input.revenue ?? null}, ${input.totalAssets ?? null}, ${input.operatingStatus ?? '开业'}, ${now})
      ON CONFLICT (uscc, year) DO UPDATE SET submitted_on = EXCLUDED.submitted_on, employees = EXCLUDED.employees, revenue = EXCLUDED.revenue,
        total_assets = EXCLUDED.total_assets, operating_status = EXCLUDED.operating_status, recorded_at = EXCLUDED.recorded_at`);
    audit(tctx, { action: 'registries.entity.annual_report', targetType: 'registries.entity', targetId: row.uscc, targetLabel: row.name, details: { year: input.year } });
    await publish(tctx, { type: EVENTS.annualReport, orderingKey: row.uscc, payload: { uscc: row.uscc, year: input.year, submittedOn: input.submittedOn } });
  });
}

export async function listAbnormal(ctx: Ctx, input: { uscc: string; reason: string; listedOn: string; listedBy?: string }): Promise<void> {
  requireScope(ctx, SCOPES.entityWrite);
  requireDates({ listedOn: input.listedOn });
  await inTransaction(ctx, async (tctx) => {
    const row = await lockEntity(tctx, input.uscc);
    const open = await queryOne<{ id: string }>(tctx.db, sql`SELECT id FROM registries.abnormal_entries WHERE uscc = ${row.uscc} AND removed_on IS NULL`);
    if (open) throw conflict('already_listed', '该主体已在经营异常名录中。');
    const id = newId();
    await tctx.db.execute(sql`INSERT INTO registries.abnormal_entries (id, uscc, reason, listed_on, listed_by, recorded_at)
      VALUES (${id}, ${row.uscc}, ${input.reason.trim()}, ${input.listedOn}, ${input.listedBy?.trim() || sourceOf(tctx).name}, ${tctx.clock.now().toISOString()})`);
    audit(tctx, { action: 'registries.entity.abnormal_list', targetType: 'registries.entity', targetId: row.uscc, targetLabel: row.name, details: { reason: input.reason } });
    await publish(tctx, { type: EVENTS.abnormalListed, orderingKey: row.uscc, payload: { uscc: row.uscc, reason: input.reason, listedOn: input.listedOn } });
  });
}

export async function removeAbnormal(ctx: Ctx, input: { uscc: string; removedOn: string; reason: string }): Promise<void> {
  requireScope(ctx, SCOPES.entityWrite);
  requireDates({ removedOn: input.removedOn });
  await inTransaction(ctx, async (tctx) => {
    const row = await lockEntity(tctx, input.uscc);
    const open = await queryOne<{ id: string }>(tctx.db, sql`SELECT id FROM registries.abnormal_entries WHERE uscc = ${row.uscc} AND removed_on IS NULL FOR UPDATE`);
    if (!open) throw conflict('not_listed', '该主体不在经营异常名录中。');
    await tctx.db.execute(sql`UPDATE registries.abnormal_entries SET removed_on = ${input.removedOn}, removal_reason = ${input.reason.trim()} WHERE id = ${open.id}`);
    audit(tctx, { action: 'registries.entity.abnormal_remove', targetType: 'registries.entity', targetId: row.uscc, targetLabel: row.name, details: { reason: input.reason } });
    await publish(tctx, { type: EVENTS.abnormalRemoved, orderingKey: row.uscc, payload: { uscc: row.uscc, removedOn: input.removedOn } });
  });
}

export interface EntityDetails {
  history: { type: string; typeLabel: string; occurredOn: string | null; changes: Changes; note: string | null; sourceName: string; actorName: string; recordedAt: string }[];
  annualReports: { year: number; submittedOn: string; employees: number | null; revenue: number | null; totalAssets: number | null; operatingStatus: string }[];
  abnormal: { reason: string; listedOn: string; listedBy: string; removedOn: string | null; removalReason: string | null }[];
}

/** History, annual reports and abnormal-list entries of one entity (after a visibility check). */
export async function entityDetails(ctx: Ctx, input: { uscc: string; full?: boolean }): Promise<EntityDetails> {
  requireScope(ctx, SCOPES.entityRead);
  const key = normalUscc(input.uscc);
  const row = await queryOne<{ region_code: string }>(ctx.db, sql`SELECT region_code FROM registries.entities WHERE uscc = ${key}`);
  if (!row || !regionOk(visiblePrefixes(ctx, SCOPES.entityRead), row.region_code)) throw notFound('entity_not_found', '未找到该法人单位, 或不在您的辖区内。');
  const full = input.full === true && regionOk(visiblePrefixes(ctx, SCOPES.entityReadFull), row.region_code);
  const hist = await queryRows<{ type: string; occurred_on: string | Date | null; changes: Changes; note: string | null; source_name: string; actor_name: string; recorded_at: string | Date }>(
    ctx.db,
    sql`SELECT type, occurred_on, changes, note, source_name, actor_name, recorded_at FROM registries.entity_changes WHERE uscc = ${key} ORDER BY recorded_at DESC, id DESC LIMIT 200`,
  );
  const reports = await queryRows<{ year: number; submitted_on: string | Date; employees: number | null; revenue: string | null; total_assets: string | null; operating_status: string }>(
    ctx.db,
    sql`SELECT year, submitted_on, employees, revenue, total_assets, operating_status FROM registries.annual_reports WHERE uscc = ${key} ORDER BY year DESC`,
  );
  const abnormal = await queryRows<{ reason: string; listed_on: string | Date; listed_by: string; removed_on: string | Date | null; removal_reason: string | null }>(
    ctx.db,
    sql`SELECT reason, listed_on, listed_by, removed_on, removal_reason FROM registries.abnormal_entries WHERE uscc = ${key} ORDER BY listed_on DESC`,
  );
  const maskChange = (k: string, v: unknown) => (k === 'legal_rep_id_number' && typeof v === 'string' && !full ? maskIdNumber(v) : v);
  return {
    history: hist.map((h) => ({
      type: h.type,
      typeLabel: ENTITY_CHANGE_LABELS[h.type] ?? h.type,
      occurredOn: day(h.occurred_on),
      changes: Object.fromEntries(Object.entries(h.changes ?? {}).map(([k, c]) => [k, { from: maskChange(k, c.from), to: maskChange(k, c.to) }])),
      note: h.note,
      sourceName: h.source_name,
      actorName: h.actor_name,
      recordedAt: isoT(h.recorded_at),
    })),
    annualReports: reports.map((r) => ({ year: r.year, submittedOn: day(r.submitted_on)!, employees: r.employees, revenue: r.revenue === null ? null : Number(r.revenue), totalAssets: r.total_assets === null ? null : Number(r.total_assets), operatingStatus: r.operating_status })),
    abnormal: abnormal.map((a) => ({ reason: a.reason, listedOn: day(a.listed_on)!, listedBy: a.listed_by, removedOn: day(a.removed_on), removalReason: a.removal_reason })),
  };
}
