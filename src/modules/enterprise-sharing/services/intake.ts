/**
 * The tax bureaus' intake (接收): enterprise events delivered by the exchange are stored once per
 * bureau (the exchange event id is the idempotency key) — registrations and changes become inbox
 * items to take over (确认接收, 分配主管税务机关), deregistration requests become clearance items
 * (清税) to answer. Answers and the tax registration items go back to market regulation on the
 * tax clearance topic, published in the clerk's own transaction.
 */
import type { Ctx } from '../../../platform/context.ts';
import { systemActor } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { newId } from '../../../platform/ids.ts';
import { badRequest, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { publishToTopic } from '../../exchange/index.ts';
import {
  ACCOUNTING_METHODS, CLEARANCE_STATUS_LABELS, EVENTS, INTAKE_STATUS_LABELS, RECEIVED_TYPE_LABELS, REGISTRY_STATUS_LABELS, SCOPES, TOPIC_CODES, TOPIC_TYPES,
  type AccountingMethod, type ClearanceStatus, type IntakeStatus,
} from '../model.ts';
import { bureausFor, getBureau, type Bureau } from './bureaus.ts';

/** The webhook body the exchange delivers (signed; see exchange events). */
export interface WebhookEvent {
  id: string;
  topic: string;
  type: string;
  key: string;
  publishedAt: string;
  payload: Record<string, unknown>;
}

const iso = (d: Date | string): string => new Date(d).toISOString();
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const DEREGISTERING = new Set(['deregistered', 'revoked', 'moved_out']);

/**
 * Stores one delivered enterprise event for a bureau. Returns false when this bureau already has
 * the event (a re-delivery): nothing changes then. Enterprises outside the bureau's region are
 * acknowledged and recorded, but do not enter its inbox.
 */
export async function receiveEnterpriseEvent(ctx: Ctx, input: { bureauCode: string; event: WebhookEvent }): Promise<{ stored: boolean }> {
  const { event } = input;
  const p = event.payload ?? {};
  const uscc = text(p.uscc) || event.key;
  const type = text(p.type) || event.type;
  if (!/^[0-9A-Z]{18}$/.test(uscc)) throw badRequest('uscc_missing', '事件中没有有效的统一社会信用代码');
  if (!RECEIVED_TYPE_LABELS[type]) throw badRequest('event_type_unknown', `不认识的企业登记事件类型: ${type}`);
  const committed = Date.parse(text(p.recordedAt) || event.publishedAt);
  if (Number.isNaN(committed)) throw badRequest('event_time_invalid', '事件中没有有效的登记时间');
  return inTransaction(ctx, async (tx) => {
    const bureau = await getBureau(tx, { code: input.bureauCode });
    if (!bureau) throw notFound('bureau_not_found', '没有这个税务机关的接收系统');
    const regionCode = text(p.regionCode);
    const inJurisdiction = regionCode.startsWith(bureau.regionPrefix);
    const now = tx.clock.now();
    const fresh = await queryRows(tx.db, sql`INSERT INTO tax.received_events (bureau_code, event_id, topic, type, uscc, in_jurisdiction, committed_at, received_at)
      VALUES (${bureau.code}, ${event.id}, ${event.topic}, ${type}, ${uscc}, ${inJurisdiction}, ${new Date(committed)}, ${now})
      ON CONFLICT (bureau_code, event_id) DO NOTHING RETURNING event_id`);
    if (fresh.length === 0) return { stored: false };
    if (inJurisdiction) {
      const data = JSON.stringify(p);
      const name = text(p.name);
      const status = text(p.status) || 'active';
      const changes = p.changes && typeof p.changes === 'object' ? JSON.stringify(p.changes) : null;
      // A new enterprise waits to be taken over; a change of one already taken over waits to be confirmed.
      await tx.db.execute(sql`INSERT INTO tax.enterprises (id, bureau_code, uscc, name, region_code, registry_status, data, last_type, last_changes, intake_status, first_received_at, updated_at)
        VALUES (${newId()}, ${bureau.code}, ${uscc}, ${name}, ${regionCode}, ${status}, ${data}::jsonb, ${type}, ${changes}::jsonb, 'new', ${now}, ${now})
        ON CONFLICT (bureau_code, uscc) DO UPDATE SET name = EXCLUDED.name, region_code = EXCLUDED.region_code, registry_status = EXCLUDED.registry_status,
          data = EXCLUDED.data, last_type = EXCLUDED.last_type, last_changes = EXCLUDED.last_changes, updated_at = EXCLUDED.updated_at,
          intake_status = CASE WHEN tax.enterprises.intake_status = 'accepted' AND EXCLUDED.last_type IN ('changed', 'correction') THEN 'changed' ELSE tax.enterprises.intake_status END`);
      if (type === 'deregistration_requested') {
        const requestId = text(p.requestId);
        if (!requestId) throw badRequest('request_id_missing', '注销申请事件中没有申请标识');
        await tx.db.execute(sql`INSERT INTO tax.clearance_requests (id, bureau_code, request_id, uscc, name, reason, requested_on, received_at, status)
          VALUES (${newId()}, ${bureau.code}, ${requestId}, ${uscc}, ${name}, ${text(p.reason)}, ${text(p.requestedOn) || iso(now).slice(0, 10)}, ${now}, 'pending')
          ON CONFLICT (bureau_code, request_id) DO NOTHING`);
      }
      if (DEREGISTERING.has(type)) {
        await tx.db.execute(sql`UPDATE tax.clearance_requests SET status = 'closed' WHERE bureau_code = ${bureau.code} AND uscc = ${uscc} AND status <> 'closed'`);
      }
    }
    audit(tx, { action: 'tax.enterprise.receive', targetType: 'tax.enterprise', targetId: uscc, targetLabel: text(p.name) || uscc, details: { bureau: bureau.code, type, eventId: event.id, inJurisdiction } });
    await publish(tx, { type: EVENTS.enterpriseReceived, orderingKey: `${bureau.code}:${uscc}`, payload: { bureau: bureau.code, uscc, type, eventId: event.id, inJurisdiction } });
    return { stored: true };
  });
}

// --- views ---------------------------------------------------------------------------------------

export interface IntakeEnterprise {
  id: string;
  bureauCode: string;
  bureauName: string;
  uscc: string;
  name: string;
  regionCode: string;
  registryStatus: string;
  registryStatusLabel: string;
  /** The last pushed registration data (name, type, legal representative, capital, scope, address …). */
  data: Record<string, unknown>;
  lastType: string;
  lastTypeLabel: string;
  lastChanges: Record<string, { from: unknown; to: unknown }> | null;
  intakeStatus: IntakeStatus;
  intakeStatusLabel: string;
  competentAuthority: string | null;
  businessAddress: string | null;
  financeOfficer: string | null;
  accountingMethod: AccountingMethod | null;
  acceptedByName: string | null;
  acceptedAt: string | null;
  firstReceivedAt: string;
  updatedAt: string;
}

interface EnterpriseRow {
  id: string;
  bureau_code: string;
  bureau_name: string;
  uscc: string;
  name: string;
  region_code: string;
  registry_status: string;
  data: Record<string, unknown>;
  last_type: string;
  last_changes: Record<string, { from: unknown; to: unknown }> | null;
  intake_status: IntakeStatus;
  competent_authority: string | null;
  business_address: string | null;
  finance_officer: string | null;
  accounting_method: AccountingMethod | null;
  accepted_by_name: string | null;
  accepted_at: Date | string | null;
  first_received_at: Date | string;
  updated_at: Date | string;
}

const enterpriseView = (r: EnterpriseRow): IntakeEnterprise => ({
  id: r.id,
  bureauCode: r.bureau_code,
  bureauName: r.bureau_name,
  uscc: r.uscc,
  name: r.name,
  regionCode: r.region_code,
  registryStatus: r.registry_status,
  registryStatusLabel: REGISTRY_STATUS_LABELS[r.registry_status] ?? r.registry_status,
  data: r.data,
  lastType: r.last_type,
  lastTypeLabel: RECEIVED_TYPE_LABELS[r.last_type] ?? r.last_type,
  lastChanges: r.last_changes,
  intakeStatus: r.intake_status,
  intakeStatusLabel: INTAKE_STATUS_LABELS[r.intake_status],
  competentAuthority: r.competent_authority,
  businessAddress: r.business_address,
  financeOfficer: r.finance_officer,
  accountingMethod: r.accounting_method,
  acceptedByName: r.accepted_by_name,
  acceptedAt: r.accepted_at ? iso(r.accepted_at) : null,
  firstReceivedAt: iso(r.first_received_at),
  updatedAt: iso(r.updated_at),
});

export interface ClearanceItem {
  id: string;
  bureauCode: string;
  bureauName: string;
  requestId: string;
  uscc: string;
  name: string;
  reason: string;
  requestedOn: string;
  receivedAt: string;
  status: ClearanceStatus;
  statusLabel: string;
  cleared: boolean | null;
  outstanding: string[];
  answeredByName: string | null;
  answeredAt: string | null;
}

interface ClearanceRow {
  id: string;
  bureau_code: string;
  bureau_name: string;
  request_id: string;
  uscc: string;
  name: string;
  reason: string;
  requested_on: Date | string;
  received_at: Date | string;
  status: ClearanceStatus;
  cleared: boolean | null;
  outstanding: string[];
  answered_by_name: string | null;
  answered_at: Date | string | null;
}

const dateOnly = (d: Date | string): string => (typeof d === 'string' ? d.slice(0, 10) : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10));

const clearanceView = (r: ClearanceRow): ClearanceItem => ({
  id: r.id,
  bureauCode: r.bureau_code,
  bureauName: r.bureau_name,
  requestId: r.request_id,
  uscc: r.uscc,
  name: r.name,
  reason: r.reason,
  requestedOn: dateOnly(r.requested_on),
  receivedAt: iso(r.received_at),
  status: r.status,
  statusLabel: r.status === 'answered' && r.cleared === false ? '未清税, 待再次答复' : CLEARANCE_STATUS_LABELS[r.status],
  cleared: r.cleared,
  outstanding: r.outstanding ?? [],
  answeredByName: r.answered_by_name,
  answeredAt: r.answered_at ? iso(r.answered_at) : null,
});

const codesOf = (bureaus: Bureau[]): string => JSON.stringify(bureaus.map((b) => b.code));

export interface InboxFilter {
  bureauCode?: string;
  /** 'open' (default): items waiting for the clerk; 'all': recent items too. */
  view?: 'open' | 'all';
  limit?: number;
}

async function visibleBureaus(ctx: Ctx, scope: string, bureauCode?: string): Promise<Bureau[]> {
  const mine = await bureausFor(ctx, scope);
  if (mine.length === 0) throw forbidden('您不是税务机关接收系统的工作人员。');
  return bureauCode ? mine.filter((b) => b.code === bureauCode) : mine;
}

export async function listIntake(ctx: Ctx, input: InboxFilter = {}): Promise<IntakeEnterprise[]> {
  const bureaus = await visibleBureaus(ctx, SCOPES.intakeRead, input.bureauCode);
  const open = (input.view ?? 'open') === 'open';
  const rows = await queryRows<EnterpriseRow>(ctx.db, sql`SELECT e.*, b.name AS bureau_name FROM tax.enterprises e JOIN tax.bureaus b ON b.code = e.bureau_code
    WHERE e.bureau_code IN (SELECT jsonb_array_elements_text(${codesOf(bureaus)}::jsonb))
      AND (${!open} OR e.intake_status <> 'accepted')
    ORDER BY e.updated_at DESC LIMIT ${Math.min(500, input.limit ?? 100)}`);
  return rows.map(enterpriseView);
}

export async function listClearances(ctx: Ctx, input: InboxFilter = {}): Promise<ClearanceItem[]> {
  const bureaus = await visibleBureaus(ctx, SCOPES.intakeRead, input.bureauCode);
  const open = (input.view ?? 'open') === 'open';
  const rows = await queryRows<ClearanceRow>(ctx.db, sql`SELECT c.*, b.name AS bureau_name FROM tax.clearance_requests c JOIN tax.bureaus b ON b.code = c.bureau_code
    WHERE c.bureau_code IN (SELECT jsonb_array_elements_text(${codesOf(bureaus)}::jsonb))
      AND (${!open} OR c.status = 'pending' OR (c.status = 'answered' AND c.cleared = false))
    ORDER BY c.received_at DESC LIMIT ${Math.min(500, input.limit ?? 100)}`);
  return rows.map(clearanceView);
}

/** Open items per bureau of the actor (workbench home). */
export async function countOpenItems(ctx: Ctx): Promise<{ intake: number; clearances: number }> {
  const bureaus = await bureausFor(ctx, SCOPES.intakeRead);
  if (bureaus.length === 0) return { intake: 0, clearances: 0 };
  const row = await queryOne<{ intake: string | number; clearances: string | number }>(ctx.db, sql`SELECT
    (SELECT count(*) FROM tax.enterprises WHERE bureau_code IN (SELECT jsonb_array_elements_text(${codesOf(bureaus)}::jsonb)) AND intake_status <> 'accepted') AS intake,
    (SELECT count(*) FROM tax.clearance_requests WHERE bureau_code IN (SELECT jsonb_array_elements_text(${codesOf(bureaus)}::jsonb)) AND status = 'pending') AS clearances`);
  return { intake: Number(row?.intake ?? 0), clearances: Number(row?.clearances ?? 0) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function loadEnterprise(ctx: Ctx, id: string, scope: string, lock = false): Promise<{ view: IntakeEnterprise; bureau: Bureau }> {
  const row = !UUID.test(id) ? undefined : await queryOne<EnterpriseRow>(ctx.db, sql`SELECT e.*, b.name AS bureau_name FROM tax.enterprises e JOIN tax.bureaus b ON b.code = e.bureau_code
    WHERE e.id = ${id}${lock ? sql` FOR UPDATE OF e` : sql``}`);
  const bureau = row ? (await bureausFor(ctx, scope)).find((b) => b.code === row.bureau_code) : undefined;
  if (!row || !bureau) throw notFound('intake_not_found', '没有这条企业接收记录, 或不属于您所在的税务局。');
  return { view: enterpriseView(row), bureau };
}

export async function getIntakeEnterprise(ctx: Ctx, input: { id: string }): Promise<IntakeEnterprise> {
  return (await loadEnterprise(ctx, input.id, SCOPES.intakeRead)).view;
}

async function loadClearance(ctx: Ctx, id: string, scope: string, lock = false): Promise<{ view: ClearanceItem; bureau: Bureau }> {
  const row = !UUID.test(id) ? undefined : await queryOne<ClearanceRow>(ctx.db, sql`SELECT c.*, b.name AS bureau_name FROM tax.clearance_requests c JOIN tax.bureaus b ON b.code = c.bureau_code
    WHERE c.id = ${id}${lock ? sql` FOR UPDATE OF c` : sql``}`);
  const bureau = row ? (await bureausFor(ctx, scope)).find((b) => b.code === row.bureau_code) : undefined;
  if (!row || !bureau) throw notFound('clearance_not_found', '没有这条清税待办, 或不属于您所在的税务局。');
  return { view: clearanceView(row), bureau };
}

export async function getClearance(ctx: Ctx, input: { id: string }): Promise<ClearanceItem> {
  return (await loadClearance(ctx, input.id, SCOPES.intakeRead)).view;
}

/**
 * The bureau's tax system publishes on the clearance topic (the platform runs the bureaus'
 * systems): a system actor named after the bureau, inside the clerk's transaction, whose own
 * audit record names the clerk.
 */
function asBureauSystem(tx: Ctx, bureau: Bureau): Ctx {
  return { ...tx, actor: { ...systemActor, name: `${bureau.name} 税务登记信息接收系统` } };
}

export interface AcceptInput {
  id: string;
  /** 主管税务机关名称 */
  competentAuthority: string;
  /** 生产经营地 */
  businessAddress?: string;
  /** 财务负责人 */
  financeOfficer?: string;
  /** 核算方式 */
  accountingMethod?: AccountingMethod | '';
}

/**
 * 确认接收: takes over a newly registered enterprise (or confirms a change), assigning the
 * competent tax authority; the tax registration items go back to market regulation.
 */
export async function acceptEnterprise(ctx: Ctx, input: AcceptInput): Promise<IntakeEnterprise> {
  const authority = input.competentAuthority?.trim() ?? '';
  if (authority.length < 2 || authority.length > 100) throw badRequest('competent_authority_required', '请填写主管税务机关名称。', [{ field: 'competentAuthority', message: '请填写主管税务机关名称' }]);
  const method = input.accountingMethod || null;
  if (method && !(ACCOUNTING_METHODS as readonly string[]).includes(method)) throw badRequest('accounting_method_invalid', '核算方式应为 独立核算 或 非独立核算。', [{ field: 'accountingMethod', message: '核算方式应为 独立核算 或 非独立核算' }]);
  return inTransaction(ctx, async (tx) => {
    const { view, bureau } = await loadEnterprise(tx, input.id, SCOPES.intakeHandle, true);
    if (view.registryStatus !== 'active') throw conflict('enterprise_not_active', `该企业已${view.registryStatusLabel}, 不能接收。`);
    const now = tx.clock.now();
    const businessAddress = input.businessAddress?.trim() || view.businessAddress || text(view.data.address);
    const financeOfficer = input.financeOfficer?.trim() || view.financeOfficer || '';
    const accountingMethod = method ?? view.accountingMethod;
    await tx.db.execute(sql`UPDATE tax.enterprises SET intake_status = 'accepted', competent_authority = ${authority}, business_address = ${businessAddress},
      finance_officer = ${financeOfficer}, accounting_method = ${accountingMethod}, accepted_by_name = ${tx.actor.name}, accepted_at = ${now}, updated_at = ${now}
      WHERE id = ${view.id}`);
    audit(tx, { action: 'tax.enterprise.accept', targetType: 'tax.enterprise', targetId: view.uscc, targetLabel: view.name, details: { bureau: bureau.code, competentAuthority: authority, accountingMethod } });
    await publish(tx, { type: EVENTS.enterpriseAccepted, orderingKey: `${bureau.code}:${view.uscc}`, payload: { bureau: bureau.code, uscc: view.uscc, competentAuthority: authority } });
    await publishToTopic(asBureauSystem(tx, bureau), {
      resourceCode: TOPIC_CODES.taxClearance,
      type: TOPIC_TYPES.taxRegistration,
      key: view.uscc,
      payload: {
        uscc: view.uscc, bureau: bureau.code, bureauName: bureau.name, competentAuthority: authority, businessAddress, financeOfficer,
        accountingMethod: accountingMethod ?? '', answeredAt: now.toISOString(),
      },
    });
    return (await loadEnterprise(tx, view.id, SCOPES.intakeRead)).view;
  });
}

/** 清税答复: cleared, or not cleared with the outstanding items (a later answer replaces it). */
export async function answerClearance(ctx: Ctx, input: { id: string; cleared: boolean; outstanding?: string[] }): Promise<ClearanceItem> {
  const outstanding = (input.outstanding ?? []).map((s) => s.trim()).filter(Boolean);
  if (!input.cleared && outstanding.length === 0) throw badRequest('outstanding_required', '未清税时请列出未清事项 (如 欠缴税款、未缴销发票)。', [{ field: 'outstanding', message: '请列出未清事项' }]);
  if (outstanding.length > 20 || outstanding.some((s) => s.length > 200)) throw badRequest('outstanding_too_long', '未清事项最多 20 项, 每项不超过 200 字。', [{ field: 'outstanding', message: '未清事项最多 20 项, 每项不超过 200 字' }]);
  return inTransaction(ctx, async (tx) => {
    const { view, bureau } = await loadClearance(tx, input.id, SCOPES.clearanceAnswer, true);
    if (view.status === 'closed') throw conflict('clearance_closed', '登记机关已办结这个注销申请。');
    if (view.status === 'answered' && view.cleared) throw conflict('clearance_already_cleared', '已答复已清税。');
    const now = tx.clock.now();
    const answerId = newId();
    const items = input.cleared ? [] : outstanding;
    await tx.db.execute(sql`UPDATE tax.clearance_requests SET status = 'answered', cleared = ${input.cleared}, outstanding = ${JSON.stringify(items)}::jsonb,
      answered_by_name = ${tx.actor.name}, answered_at = ${now} WHERE id = ${view.id}`);
    audit(tx, { action: 'tax.clearance.answer', targetType: 'tax.enterprise', targetId: view.uscc, targetLabel: view.name, details: { bureau: bureau.code, requestId: view.requestId, cleared: input.cleared, outstanding: items } });
    await publish(tx, { type: EVENTS.clearanceAnswered, orderingKey: `${bureau.code}:${view.uscc}`, payload: { bureau: bureau.code, uscc: view.uscc, requestId: view.requestId, cleared: input.cleared } });
    await publishToTopic(asBureauSystem(tx, bureau), {
      resourceCode: TOPIC_CODES.taxClearance,
      type: TOPIC_TYPES.clearance,
      key: view.uscc,
      payload: { uscc: view.uscc, requestId: view.requestId, bureau: bureau.code, bureauName: bureau.name, cleared: input.cleared, outstanding: items, answeredAt: now.toISOString(), answerId },
    });
    return (await loadClearance(tx, view.id, SCOPES.intakeRead)).view;
  });
}

export interface LatencyStats {
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/**
 * Registration → tax latency: from the registry's commit (the registration's recorded time in
 * the event) to the tax side storing it, over every enterprise event the bureaus received
 * (optionally since a time). Nulls when nothing was received.
 */
export async function taxLatencyStats(ctx: Ctx, input: { since?: Date } = {}): Promise<LatencyStats> {
  const row = await queryOne<{ count: string | number; p50: string | number | null; p95: string | number | null }>(ctx.db, sql`SELECT count(*) AS count,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - committed_at) * 1000) AS p50,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - committed_at) * 1000) AS p95
    FROM tax.received_events WHERE (${input.since ?? null}::timestamptz IS NULL OR received_at >= ${input.since ?? null})`);
  const round = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Math.round(Number(v)));
  return { count: Number(row?.count ?? 0), p50Ms: round(row?.p50), p95Ms: round(row?.p95) };
}
