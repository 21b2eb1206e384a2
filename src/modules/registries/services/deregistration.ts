/**
 * 注销 waits for tax clearance (清税, 工商企注字〔2015〕228号): the registrar records a request, the
 * tax authorities responsible for the enterprise's region (clearance authorities) answer over the
 * exchange, and when every one of them has answered 已清税 the deregistration completes through
 * `deregisterEntity`. Tax also sends back the items of its own registration (主管税务机关, 生产经营地,
 * 财务负责人, 核算方式), kept here beside the entity.
 */
import type { Ctx } from '../../../platform/context.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { newId } from '../../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { badRequest, conflict, notFound } from '../../../platform/errors.ts';
import { dayOfInstant, formatDay } from '../../../platform/calendar/index.ts';
import { ENTITY_STATUS_LABELS } from '../codes.ts';
import { EVENTS, SCOPES } from '../model.ts';
import { regionOk, requireScope, visiblePrefixes } from './access.ts';
import { day, isoT } from './rows.ts';
import { deregisterEntity, history, loadRows, lockEntity, sourceOf, taxPayload } from './entities.ts';
import { requireDates } from './validate.ts';

export interface ClearanceAuthority {
  code: string;
  name: string;
  /** Enterprises whose region code starts with this need its clearance. */
  regionPrefix: string;
  active: boolean;
}

export interface TaxClearanceView {
  authorityCode: string;
  authorityName: string;
  cleared: boolean;
  outstanding: string[];
  answeredAt: string;
  recordedAt: string;
}

export interface DeregistrationRequestView {
  id: string;
  uscc: string;
  reason: string;
  requestedOn: string;
  status: 'pending' | 'completed' | 'superseded';
  requiredAuthorities: { code: string; name: string }[];
  requestedByName: string;
  requestedAt: string;
  closedAt: string | null;
  /** Every answer, newest first. */
  answers: TaxClearanceView[];
  /** Per required authority: its latest answer, or null while it has not answered. */
  latest: { code: string; name: string; answer: TaxClearanceView | null }[];
}

export interface TaxRegistrationView {
  authorityCode: string;
  authorityName: string;
  competentAuthority: string;
  businessAddress: string;
  financeOfficer: string;
  accountingMethod: string;
  answeredAt: string;
}

interface RequestRow {
  id: string;
  uscc: string;
  reason: string;
  requested_on: string | Date;
  required_authorities: { code: string; name: string }[];
  status: DeregistrationRequestView['status'];
  requested_by_name: string;
  requested_at: string | Date;
  closed_at: string | Date | null;
}

interface ClearanceRow {
  authority_code: string;
  authority_name: string;
  cleared: boolean;
  outstanding: string[];
  answered_at: string | Date;
  recorded_at: string | Date;
}

const normalUscc = (v: string) => v.trim().toUpperCase();

/** Declares (or updates) a tax authority whose clearance deregistrations in its region need. */
export async function setClearanceAuthority(ctx: Ctx, input: { code: string; name: string; regionPrefix: string; active?: boolean }): Promise<ClearanceAuthority> {
  requireScope(ctx, SCOPES.entityWrite);
  if (!/^[A-Z0-9_-]{2,32}$/.test(input.code)) throw badRequest('authority_code_invalid', '税务机关代码应为 2 至 32 位大写字母、数字、下划线或连字符');
  if (!/^[0-9]{0,6}$/.test(input.regionPrefix)) throw badRequest('region_prefix_invalid', '管辖区划前缀应为 0 至 6 位数字');
  if (!input.name.trim()) throw badRequest('name_required', '请填写税务机关名称');
  const active = input.active ?? true;
  await inTransaction(ctx, async (tctx) => {
    await tctx.db.execute(sql`INSERT INTO registries.clearance_authorities (code, name, region_prefix, active, updated_at)
      VALUES (${input.code}, ${input.name.trim()}, ${input.regionPrefix}, ${active}, ${tctx.clock.now()})
      ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, region_prefix = EXCLUDED.region_prefix, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at`);
    audit(tctx, { action: 'registries.clearance_authority.set', targetType: 'registries.clearance_authority', targetId: input.code, targetLabel: input.name, details: { regionPrefix: input.regionPrefix, active } });
    await publish(tctx, { type: EVENTS.clearanceAuthoritySet, orderingKey: input.code, payload: { code: input.code, name: input.name, regionPrefix: input.regionPrefix, active } });
  });
  return { code: input.code, name: input.name.trim(), regionPrefix: input.regionPrefix, active };
}

export async function listClearanceAuthorities(ctx: Ctx): Promise<ClearanceAuthority[]> {
  const rows = await queryRows<{ code: string; name: string; region_prefix: string; active: boolean }>(ctx.db, sql`SELECT code, name, region_prefix, active FROM registries.clearance_authorities ORDER BY region_prefix, code`);
  return rows.map((r) => ({ code: r.code, name: r.name, regionPrefix: r.region_prefix, active: r.active }));
}

/**
 * 注销登记申请: records a request awaiting tax clearance and publishes
 * `registries.entity.deregistration_requested` (the tax side's cue). With no active clearance
 * authority for the enterprise's region nobody would answer, so the deregistration completes at once.
 */
export async function requestDeregistration(ctx: Ctx, input: { uscc: string; reason: string; occurredOn: string }): Promise<DeregistrationRequestView> {
  requireScope(ctx, SCOPES.entityWrite);
  requireDates({ occurredOn: input.occurredOn });
  const reason = input.reason.trim();
  if (reason.length < 2) throw badRequest('reason_required', '请填写注销原因。', [{ field: 'reason', message: '请填写注销原因' }]);
  const id = newId();
  const needed = await inTransaction(ctx, async (tctx) => {
    const row = await lockEntity(tctx, input.uscc);
    if (row.status !== 'active') throw conflict('entity_not_active', `该主体已${ENTITY_STATUS_LABELS[row.status]}。`);
    const open = await queryOne(tctx.db, sql`SELECT 1 FROM registries.deregistration_requests WHERE uscc = ${row.uscc} AND status = 'pending'`);
    if (open) throw conflict('deregistration_pending', '该主体已有等待清税的注销申请。');
    const authorities = (await listClearanceAuthorities(tctx)).filter((a) => a.active && row.region_code.startsWith(a.regionPrefix)).map((a) => ({ code: a.code, name: a.name }));
    const src = sourceOf(tctx);
    const now = tctx.clock.now();
    await tctx.db.execute(sql`INSERT INTO registries.deregistration_requests (id, uscc, reason, requested_on, required_authorities, status, requested_by_name, requested_by_unit_id, requested_at)
      VALUES (${id}, ${row.uscc}, ${reason}, ${input.occurredOn}, ${JSON.stringify(authorities)}::jsonb, 'pending', ${ctx.actor.name}, ${src.unitId}, ${now})`);
    await history(tctx, row.uscc, 'deregistration_requested', {}, src, input.occurredOn, reason);
    audit(tctx, { action: 'registries.entity.deregistration_request', targetType: 'registries.entity', targetId: row.uscc, targetLabel: row.name, details: { requestId: id, reason, authorities: authorities.map((a) => a.code) } });
    await publish(tctx, {
      type: EVENTS.entityDeregistrationRequested,
      orderingKey: row.uscc,
      payload: { ...taxPayload({ ...row, updated_at: now }, 'deregistration_requested', null), requestId: id, reason, requestedOn: input.occurredOn, requiredAuthorities: authorities },
    });
    return authorities.length;
  });
  if (needed === 0) await deregisterEntity(ctx, { uscc: input.uscc, status: 'cancelled', occurredOn: input.occurredOn, reason });
  return (await requestView(ctx, id))!;
}

async function requestView(ctx: Ctx, id: string): Promise<DeregistrationRequestView | null> {
  const r = await queryOne<RequestRow>(ctx.db, sql`SELECT * FROM registries.deregistration_requests WHERE id = ${id}`);
  if (!r) return null;
  const answers = (await queryRows<ClearanceRow>(ctx.db, sql`SELECT authority_code, authority_name, cleared, outstanding, answered_at, recorded_at
    FROM registries.tax_clearances WHERE request_id = ${id} ORDER BY answered_at DESC, recorded_at DESC`)).map((a): TaxClearanceView => ({
    authorityCode: a.authority_code,
    authorityName: a.authority_name,
    cleared: a.cleared,
    outstanding: a.outstanding ?? [],
    answeredAt: isoT(a.answered_at),
    recordedAt: isoT(a.recorded_at),
  }));
  return {
    id: r.id,
    uscc: r.uscc,
    reason: r.reason,
    requestedOn: day(r.requested_on)!,
    status: r.status,
    requiredAuthorities: r.required_authorities,
    requestedByName: r.requested_by_name,
    requestedAt: isoT(r.requested_at),
    closedAt: r.closed_at ? isoT(r.closed_at) : null,
    answers,
    latest: r.required_authorities.map((a) => ({ ...a, answer: answers.find((x) => x.authorityCode === a.code) ?? null })),
  };
}

export interface TaxClearanceInput {
  uscc: string;
  /** The request answered (from the event); absent: the enterprise's pending request. */
  requestId?: string;
  /** Code of the answering tax authority. */
  bureau: string;
  bureauName?: string;
  cleared: boolean;
  /** Items not yet cleared (required when not cleared). */
  outstanding?: string[];
  answeredAt: string;
  /** The tax side's id of this answer: a re-delivered answer is recorded once. */
  answerId: string;
}

/**
 * Records one tax authority's clearance answer. When every required authority's latest answer is
 * 已清税, the deregistration completes (same transaction). Returns whether this answer was new.
 */
export async function recordTaxClearance(ctx: Ctx, input: TaxClearanceInput): Promise<{ recorded: boolean; completed: boolean; request: DeregistrationRequestView }> {
  requireScope(ctx, SCOPES.entityWrite);
  const outstanding = (input.outstanding ?? []).map((s) => s.trim()).filter(Boolean);
  if (!input.cleared && outstanding.length === 0) throw badRequest('outstanding_required', '未清税的答复须列出未清事项。');
  if (Number.isNaN(Date.parse(input.answeredAt))) throw badRequest('answered_at_invalid', '答复时间无效。');
  const uscc = normalUscc(input.uscc);
  const result = await inTransaction(ctx, async (tctx) => {
    const request = input.requestId
      ? await queryOne<RequestRow>(tctx.db, sql`SELECT * FROM registries.deregistration_requests WHERE id = ${input.requestId} AND uscc = ${uscc} FOR UPDATE`)
      : await queryOne<RequestRow>(tctx.db, sql`SELECT * FROM registries.deregistration_requests WHERE uscc = ${uscc} AND status = 'pending' FOR UPDATE`);
    if (!request) throw notFound('deregistration_request_not_found', '没有找到这个注销申请。');
    const authority = request.required_authorities.find((a) => a.code === input.bureau);
    const name = input.bureauName?.trim() || authority?.name || input.bureau;
    const inserted = await queryRows(tctx.db, sql`INSERT INTO registries.tax_clearances (id, request_id, authority_code, authority_name, cleared, outstanding, answer_id, answered_at, recorded_at)
      VALUES (${newId()}, ${request.id}, ${input.bureau}, ${name}, ${input.cleared}, ${JSON.stringify(outstanding)}::jsonb, ${input.answerId}, ${input.answeredAt}, ${tctx.clock.now()})
      ON CONFLICT (request_id, answer_id) DO NOTHING RETURNING id`);
    if (inserted.length === 0) return { recorded: false, completed: false, id: request.id };
    audit(tctx, { action: 'registries.entity.tax_clearance', targetType: 'registries.entity', targetId: uscc, targetLabel: name, details: { requestId: request.id, authority: input.bureau, cleared: input.cleared, outstanding } });
    await publish(tctx, { type: EVENTS.taxClearanceRecorded, orderingKey: uscc, payload: { uscc, requestId: request.id, authority: input.bureau, cleared: input.cleared, outstanding } });
    if (request.status !== 'pending') return { recorded: true, completed: false, id: request.id };
    const latest = await queryRows<{ authority_code: string; cleared: boolean }>(tctx.db, sql`SELECT DISTINCT ON (authority_code) authority_code, cleared
      FROM registries.tax_clearances WHERE request_id = ${request.id} ORDER BY authority_code, answered_at DESC, recorded_at DESC`);
    const clearedBy = new Set(latest.filter((l) => l.cleared).map((l) => l.authority_code));
    if (!request.required_authorities.every((a) => clearedBy.has(a.code))) return { recorded: true, completed: false, id: request.id };
    await deregisterEntity(tctx, { uscc, status: 'cancelled', occurredOn: formatDay(dayOfInstant(tctx.clock.now())), reason: `${request.reason} (已清税)` });
    return { recorded: true, completed: true, id: request.id };
  });
  return { recorded: result.recorded, completed: result.completed, request: (await requestView(ctx, result.id))! };
}

/** Tax's registration items for an enterprise (税务机关名称, 生产经营地, 财务负责人, 核算方式), one row per authority. */
export async function recordTaxRegistration(ctx: Ctx, input: { uscc: string; bureau: string; bureauName: string; competentAuthority: string; businessAddress?: string; financeOfficer?: string; accountingMethod?: string; answeredAt: string }): Promise<void> {
  requireScope(ctx, SCOPES.entityWrite);
  const uscc = normalUscc(input.uscc);
  if (!input.competentAuthority.trim()) throw badRequest('competent_authority_required', '请填写主管税务机关。');
  await inTransaction(ctx, async (tctx) => {
    const [row] = await loadRows(tctx, [uscc]);
    if (!row) throw notFound('entity_not_found', '未找到该法人单位。');
    await tctx.db.execute(sql`INSERT INTO registries.tax_registrations (uscc, authority_code, authority_name, competent_authority, business_address, finance_officer, accounting_method, answered_at, recorded_at)
      VALUES (${uscc}, ${input.bureau}, ${input.bureauName}, ${input.competentAuthority.trim()}, ${input.businessAddress ?? ''}, ${input.financeOfficer ?? ''}, ${input.accountingMethod ?? ''}, ${input.answeredAt}, ${tctx.clock.now()})
      ON CONFLICT (uscc, authority_code) DO UPDATE SET authority_name = EXCLUDED.authority_name, competent_authority = EXCLUDED.competent_authority, business_address = EXCLUDED.business_address,
        finance_officer = EXCLUDED.finance_officer, accounting_method = EXCLUDED.accounting_method, answered_at = EXCLUDED.answered_at, recorded_at = EXCLUDED.recorded_at
      WHERE registries.tax_registrations.answered_at <= EXCLUDED.answered_at`);
    audit(tctx, { action: 'registries.entity.tax_registration', targetType: 'registries.entity', targetId: uscc, targetLabel: row.name, details: { authority: input.bureau, competentAuthority: input.competentAuthority } });
    await publish(tctx, { type: EVENTS.taxRegistrationRecorded, orderingKey: uscc, payload: { uscc, authority: input.bureau } });
  });
}

/** The latest deregistration request of an entity (with the clearance answers) and tax's registration items. */
export async function deregistrationStatus(ctx: Ctx, input: { uscc: string }): Promise<{ request: DeregistrationRequestView | null; taxRegistrations: TaxRegistrationView[] }> {
  requireScope(ctx, SCOPES.entityRead);
  const uscc = normalUscc(input.uscc);
  const row = await queryOne<{ region_code: string }>(ctx.db, sql`SELECT region_code FROM registries.entities WHERE uscc = ${uscc}`);
  if (!row || !regionOk(visiblePrefixes(ctx, SCOPES.entityRead), row.region_code)) throw notFound('entity_not_found', '未找到该法人单位, 或不在您的辖区内。');
  const last = await queryOne<{ id: string }>(ctx.db, sql`SELECT id FROM registries.deregistration_requests WHERE uscc = ${uscc} ORDER BY requested_at DESC LIMIT 1`);
  const regs = await queryRows<{ authority_code: string; authority_name: string; competent_authority: string; business_address: string; finance_officer: string; accounting_method: string; answered_at: string | Date }>(
    ctx.db,
    sql`SELECT * FROM registries.tax_registrations WHERE uscc = ${uscc} ORDER BY authority_code`,
  );
  return {
    request: last ? await requestView(ctx, last.id) : null,
    taxRegistrations: regs.map((r) => ({ authorityCode: r.authority_code, authorityName: r.authority_name, competentAuthority: r.competent_authority, businessAddress: r.business_address, financeOfficer: r.finance_officer, accountingMethod: r.accounting_method, answeredAt: isoT(r.answered_at) })),
  };
}
