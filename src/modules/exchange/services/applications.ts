/**
 * Sharing applications (共享申请) under the national sharing rules: a 无条件共享 resource is granted
 * at once (the grant is written in the application's transaction); a 有条件共享 resource opens a
 * workflow case at the provider's unit, which answers within 10 working days — 同意 (with an optional
 * expiry, endpoint subset and limits; the grant is written in the same transaction) or 不同意 with a
 * reason; past the deadline the case escalates to the data authority, who may answer in the
 * provider's place. A 不予共享 resource cannot be applied for (its legal basis is in the refusal).
 */
import type { Actor, Ctx } from '../../../platform/context.ts';
import type { PendingItem } from '../../../platform/module.ts';
import { hasScope, regionVisible, systemActor } from '../../../platform/context.ts';
import { AppError, conflict, forbidden, notFound, type FieldProblem } from '../../../platform/errors.ts';
import type { SQL } from 'drizzle-orm';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { newId } from '../../../platform/ids.ts';
import { startCase, takeTransition, withdrawCase } from '../../../platform/workflow/index.ts';
import { EVENTS, SCOPES, SHARE_TYPE_LABELS, iso, type ShareType } from '../model.ts';
import { APPLICATION_FLOW, APPLICATION_SUBJECT } from '../workflows.ts';
import { getResource, type ResourceView } from './catalog.ts';
import { createGrant, findActiveGrant, listGrants, type GrantView } from './grants.ts';
import { actsForMember, getSubsystem, listCredentials, listSubsystems, xroadIdOf, type CredentialView, type SubsystemView } from './members.ts';

export type ApplicationStatus = 'pending' | 'approved' | 'refused' | 'withdrawn';
export const APPLICATION_STATUS_LABELS: Record<ApplicationStatus, string> = { pending: '待答复', approved: '已同意', refused: '不同意', withdrawn: '已撤回' };

export interface ApplicationView {
  id: string;
  resourceId: string;
  resourceCode: string;
  resourceName: string;
  shareType: ShareType;
  shareTypeLabel: string;
  providerXroadId: string;
  providerName: string;
  providerUnitId: string | null;
  providerRegionCode: string;
  clientSubsystemId: string;
  clientXroadId: string;
  clientName: string;
  clientUnitId: string | null;
  /** Requested endpoints (empty: the whole resource). */
  endpointIds: string[];
  purpose: string;
  legalBasis: string;
  requestedBy: string | null;
  requestedByName: string;
  requestedAt: string;
  status: ApplicationStatus;
  statusLabel: string;
  /** 答复期限 (有条件共享). */
  answerDueAt: string | null;
  /** Pending and past its answer deadline. */
  overdue: boolean;
  caseId: string | null;
  decidedAt: string | null;
  decidedByName: string | null;
  decisionReason: string | null;
  decidedByAuthority: boolean;
  grantId: string | null;
}

interface ApplicationRow {
  id: string;
  resource_id: string;
  resource_code: string;
  resource_name: string;
  share_type: ShareType;
  provider_member_class: string;
  provider_member_code: string;
  provider_code: string;
  provider_name: string;
  provider_unit_id: string | null;
  provider_region_code: string;
  client_subsystem_id: string;
  client_member_class: string;
  client_member_code: string;
  client_code: string;
  client_member_name: string;
  client_subsystem_name: string;
  client_unit_id: string | null;
  endpoint_ids: string[] | null;
  purpose: string;
  legal_basis: string;
  requested_by: string | null;
  requested_by_name: string;
  requested_at: Date | string;
  status: ApplicationStatus;
  answer_due_at: Date | string | null;
  case_id: string | null;
  decided_at: Date | string | null;
  decided_by_name: string | null;
  decision_reason: string | null;
  decided_by_authority: boolean;
  grant_id: string | null;
}

const SELECT = sql`SELECT a.id, a.resource_id, r.code AS resource_code, r.name AS resource_name, r.share_type,
  pm.member_class AS provider_member_class, pm.member_code AS provider_member_code, ps.code AS provider_code, pm.name AS provider_name,
  pm.unit_id AS provider_unit_id, pm.region_code AS provider_region_code,
  a.client_subsystem_id, cm.member_class AS client_member_class, cm.member_code AS client_member_code, cs.code AS client_code,
  cm.name AS client_member_name, cs.name AS client_subsystem_name, cm.unit_id AS client_unit_id,
  a.endpoint_ids, a.purpose, a.legal_basis, a.requested_by, a.requested_by_name, a.requested_at, a.status, a.answer_due_at, a.case_id,
  a.decided_at, a.decided_by_name, a.decision_reason, a.decided_by_authority, a.grant_id
  FROM exchange.applications a
  JOIN exchange.resources r ON r.id = a.resource_id
  JOIN exchange.subsystems ps ON ps.id = r.provider_subsystem_id JOIN exchange.members pm ON pm.id = ps.member_id
  JOIN exchange.subsystems cs ON cs.id = a.client_subsystem_id JOIN exchange.members cm ON cm.id = cs.member_id`;

function view(r: ApplicationRow, now: Date): ApplicationView {
  const due = r.answer_due_at ? new Date(r.answer_due_at) : null;
  return {
    id: r.id,
    resourceId: r.resource_id,
    resourceCode: r.resource_code,
    resourceName: r.resource_name,
    shareType: r.share_type,
    shareTypeLabel: SHARE_TYPE_LABELS[r.share_type],
    providerXroadId: xroadIdOf({ memberClass: r.provider_member_class, memberCode: r.provider_member_code, code: r.provider_code }),
    providerName: r.provider_name,
    providerUnitId: r.provider_unit_id,
    providerRegionCode: r.provider_region_code,
    clientSubsystemId: r.client_subsystem_id,
    clientXroadId: xroadIdOf({ memberClass: r.client_member_class, memberCode: r.client_member_code, code: r.client_code }),
    clientName: `${r.client_member_name} · ${r.client_subsystem_name}`,
    clientUnitId: r.client_unit_id,
    endpointIds: r.endpoint_ids ?? [],
    purpose: r.purpose,
    legalBasis: r.legal_basis,
    requestedBy: r.requested_by,
    requestedByName: r.requested_by_name,
    requestedAt: iso(r.requested_at),
    status: r.status,
    statusLabel: APPLICATION_STATUS_LABELS[r.status],
    answerDueAt: due ? due.toISOString() : null,
    overdue: r.status === 'pending' && due !== null && due.getTime() < now.getTime(),
    caseId: r.case_id,
    decidedAt: r.decided_at ? iso(r.decided_at) : null,
    decidedByName: r.decided_by_name,
    decisionReason: r.decision_reason,
    decidedByAuthority: Boolean(r.decided_by_authority),
    grantId: r.grant_id,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const applicationNotFound = () => notFound('application_not_found', '共享申请不存在或您无权查看');

/** The data authority (exchange.grant.manage) for the provider's region. */
const isDataAuthority = (ctx: Ctx, a: Pick<ApplicationView, 'providerRegionCode'>): boolean => regionVisible(ctx.actor, SCOPES.grantManage, a.providerRegionCode);
const isProvider = (ctx: Ctx, a: Pick<ApplicationView, 'providerUnitId'>, scope: string = SCOPES.applicationDecide): boolean => actsForMember(ctx, { unitId: a.providerUnitId }, scope);
const isApplicant = (ctx: Ctx, a: Pick<ApplicationView, 'clientUnitId'>): boolean => actsForMember(ctx, { unitId: a.clientUnitId }, SCOPES.applicationSubmit);

function canSee(ctx: Ctx, a: ApplicationView): boolean {
  return ctx.actor.kind === 'system' || isApplicant(ctx, a) || isProvider(ctx, a) || isProvider(ctx, a, SCOPES.resourcePublish) || isDataAuthority(ctx, a);
}

async function load(ctx: Ctx, id: string, lock = false): Promise<ApplicationView | null> {
  if (!UUID.test(id)) return null;
  if (lock) await ctx.db.execute(sql`SELECT id FROM exchange.applications WHERE id = ${id} FOR UPDATE`);
  const row = await queryOne<ApplicationRow>(ctx.db, sql`${SELECT} WHERE a.id = ${id}`);
  return row ? view(row, ctx.clock.now()) : null;
}

export async function getApplication(ctx: Ctx, input: { id: string }): Promise<ApplicationView> {
  const a = await load(ctx, input.id);
  if (!a || !canSee(ctx, a)) throw applicationNotFound();
  return a;
}

/**
 * The platform taking an engine step on a person's decision when that person is not in the case's
 * unit (the data authority answering for the provider): the case history records their name and
 * account, so they keep seeing the case they closed.
 */
const onBehalf = (person: Actor, name: string): Actor => ({ ...systemActor, userId: person.userId, name });

const invalid = (fields: FieldProblem[]) => new AppError({ code: 'validation_failed', status: 400, message: fields.map((f) => f.message).join('; '), fields });

export interface ApplyInput {
  resourceId: string;
  clientSubsystemId: string;
  /** A subset of the resource's endpoints; empty or absent: the whole resource. */
  endpointIds?: string[];
  purpose: string;
  /** 申请依据: required for 有条件共享. */
  legalBasis?: string;
}

/**
 * Applies for a resource on behalf of a subsystem of the actor's unit. 无条件共享: approved and
 * granted in this transaction. 有条件共享: pending, with a case at the provider's unit.
 */
export async function submitApplication(ctx: Ctx, input: ApplyInput): Promise<ApplicationView> {
  const resource = await getResource(ctx, { id: input.resourceId });
  const client = await getSubsystem(ctx, { id: input.clientSubsystemId });
  if (ctx.actor.kind !== 'system' && !actsForMember(ctx, client, SCOPES.applicationSubmit)) throw forbidden('只能以本单位子系统的名义申请使用共享资源。');
  if (resource.shareType === 'none') {
    throw conflict('resource_not_shared', `资源「${resource.name}」为不予共享, 不能申请使用。依据: ${resource.legalBasis}`);
  }
  if (resource.status !== 'published') throw conflict('resource_withdrawn', `资源「${resource.name}」已撤销, 不能申请使用`);
  if (client.status !== 'active') throw conflict('subsystem_disabled', `子系统 ${client.xroadId} 已停用`);
  const endpointIds = [...new Set(input.endpointIds ?? [])];
  const problems: FieldProblem[] = [];
  const purpose = (input.purpose ?? '').trim();
  if (purpose.length < 4 || purpose.length > 1000) problems.push({ field: 'purpose', message: '请写明使用用途 (4 至 1000 字)' });
  const legalBasis = (input.legalBasis ?? '').trim();
  if (resource.shareType === 'conditional' && legalBasis.length < 2) problems.push({ field: 'legalBasis', message: '有条件共享的资源须写明申请依据 (法律法规、政策文件或职责依据)' });
  if (endpointIds.some((id) => !resource.endpoints.some((e) => e.id === id))) problems.push({ field: 'endpointIds', message: '所选方法不属于这个资源' });
  if (problems.length) throw invalid(problems);
  if (await findActiveGrant(ctx, { clientSubsystemId: client.id, resourceId: resource.id })) throw conflict('already_granted', `子系统 ${client.xroadId} 已有该资源的有效授权`);
  const providerUnitId = resource.provider.unitId;
  if (resource.shareType === 'conditional' && !providerUnitId) throw conflict('provider_unit_missing', `提供方「${resource.provider.memberName}」未对应组织目录中的单位, 无法办理有条件共享申请`);

  return inTransaction(ctx, async (tx) => {
    const dup = await queryOne(tx.db, sql`SELECT 1 FROM exchange.applications WHERE resource_id = ${resource.id} AND client_subsystem_id = ${client.id} AND status = 'pending' FOR UPDATE`);
    if (dup) throw conflict('application_pending', '该子系统对这个资源已有待答复的申请');
    const id = newId();
    const now = tx.clock.now();
    const instant = resource.shareType === 'unconditional';
    await tx.db.execute(sql`INSERT INTO exchange.applications (id, resource_id, endpoint_ids, client_subsystem_id, purpose, legal_basis, requested_by, requested_by_name,
        requested_at, status, decided_at, decided_by_name, decision_reason)
      VALUES (${id}, ${resource.id}, ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(endpointIds)}::jsonb)::uuid), ${client.id}, ${purpose}, ${legalBasis},
        ${tx.actor.userId}, ${tx.actor.name}, ${now}, ${instant ? 'approved' : 'pending'}, ${instant ? now : null}, ${instant ? '平台 (无条件共享, 申请即授权)' : null},
        ${instant ? '无条件共享资源, 申请即授权' : null})`);
    if (instant) {
      const grants = await writeGrants(tx, { applicationId: id, resourceId: resource.id, clientSubsystemId: client.id, endpointIds, purpose });
      await tx.db.execute(sql`UPDATE exchange.applications SET grant_id = ${grants[0].id} WHERE id = ${id}`);
    } else {
      const c = await startCase(tx, {
        definitionKey: APPLICATION_FLOW,
        title: `共享申请: ${resource.name} (${client.memberName})`.slice(0, 200),
        regionCode: resource.provider.regionCode,
        subject: { module: APPLICATION_SUBJECT, id },
        data: { applicationId: id, resourceCode: resource.code, clientXroadId: client.xroadId },
        unit: { id: providerUnitId!, name: resource.provider.memberName },
      });
      await tx.db.execute(sql`UPDATE exchange.applications SET case_id = ${c.id}, answer_due_at = ${c.deadline?.at ?? null} WHERE id = ${id}`);
    }
    audit(tx, { action: 'exchange.application.submit', targetType: 'exchange.application', targetId: id, targetLabel: `${resource.code} ${resource.name}`,
      details: { client: client.xroadId, shareType: resource.shareType, endpointIds, instant } });
    await publish(tx, { type: EVENTS.applicationSubmitted, orderingKey: id, payload: { applicationId: id, resourceId: resource.id, clientSubsystemId: client.id, status: instant ? 'approved' : 'pending' } });
    return (await load(tx, id))!;
  });
}

async function writeGrants(ctx: Ctx, g: { applicationId: string; resourceId: string; clientSubsystemId: string; endpointIds: string[]; purpose: string; expiresAt?: Date | null; ratePerMinute?: number | null; dailyQuota?: number | null }): Promise<GrantView[]> {
  const targets = g.endpointIds.length ? g.endpointIds : [null];
  const out: GrantView[] = [];
  for (const endpointId of targets) {
    out.push(await createGrant(ctx, {
      resourceId: g.resourceId, endpointId, subsystemId: g.clientSubsystemId, purpose: g.purpose, applicationId: g.applicationId,
      expiresAt: g.expiresAt ?? null, ratePerMinute: g.ratePerMinute ?? null, dailyQuota: g.dailyQuota ?? null,
    }));
  }
  return out;
}

export interface DecideInput {
  id: string;
  decision: 'approve' | 'refuse';
  /** 答复意见: required when refusing. */
  reason?: string;
  /** Approve: the grant is valid through this day (China time), YYYY-MM-DD; absent: no expiry. */
  expiresOn?: string | null;
  /** Approve: grant only these endpoints (a subset of those applied for); absent: as applied for. */
  endpointIds?: string[];
  ratePerMinute?: number | null;
  dailyQuota?: number | null;
}

/**
 * The provider's answer (holders of exchange.application.decide at the provider's unit), or the data
 * authority's in its place once the answer deadline has passed.
 */
export async function decideApplication(ctx: Ctx, input: DecideInput): Promise<ApplicationView> {
  const problems: FieldProblem[] = [];
  if (input.decision !== 'approve' && input.decision !== 'refuse') problems.push({ field: 'decision', message: '请选择同意或不同意' });
  const reason = (input.reason ?? '').trim();
  if (input.decision === 'refuse' && reason.length < 2) problems.push({ field: 'reason', message: '不同意时须说明理由' });
  if (reason.length > 2000) problems.push({ field: 'reason', message: '答复意见不超过 2000 字' });
  let expiresAt: Date | null = null;
  if (input.expiresOn) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.expiresOn) || Number.isNaN(Date.parse(input.expiresOn))) problems.push({ field: 'expiresOn', message: '有效期至应为日期 YYYY-MM-DD' });
    else {
      expiresAt = new Date(`${input.expiresOn}T23:59:59.999+08:00`);
      if (expiresAt.getTime() <= ctx.clock.now().getTime()) problems.push({ field: 'expiresOn', message: '有效期至应晚于今天' });
    }
  }
  for (const [k, v] of [['ratePerMinute', input.ratePerMinute], ['dailyQuota', input.dailyQuota]] as const) {
    if (v !== undefined && v !== null && !(Number.isInteger(v) && v > 0)) problems.push({ field: k, message: k === 'ratePerMinute' ? '每分钟调用上限应为正整数' : '每日调用配额应为正整数' });
  }
  if (problems.length) throw invalid(problems);

  return inTransaction(ctx, async (tx) => {
    const a = await load(tx, input.id, true);
    if (!a || !canSee(tx, a)) throw applicationNotFound();
    if (a.status !== 'pending') throw conflict('application_closed', `该申请已${a.statusLabel}, 不能再答复`);
    const asProvider = isProvider(tx, a);
    if (!asProvider) {
      if (!isDataAuthority(tx, a)) throw forbidden('只有提供方单位的资源管理员可以答复该申请。');
      if (!a.overdue) throw forbidden(`提供方的答复期限 (${a.answerDueAt ? iso(a.answerDueAt).slice(0, 10) : '—'}) 未到, 数据主管部门只能在超期后代为答复。`, 'not_overdue');
    }
    const allowed = a.endpointIds.length ? a.endpointIds : [];
    let endpointIds = [...new Set(input.endpointIds ?? [])];
    if (endpointIds.length === 0) endpointIds = allowed;
    if (allowed.length && endpointIds.some((id) => !allowed.includes(id))) throw invalid([{ field: 'endpointIds', message: '只能在申请的方法范围内授权' }]);
    const now = tx.clock.now();
    const status = input.decision === 'approve' ? 'approved' : 'refused';
    await tx.db.execute(sql`UPDATE exchange.applications SET status = ${status}, decided_at = ${now}, decided_by_name = ${tx.actor.name},
      decision_reason = ${reason || null}, decided_by_authority = ${!asProvider} WHERE id = ${a.id}`);
    let grants: GrantView[] = [];
    if (status === 'approved') {
      grants = await writeGrants(tx, { applicationId: a.id, resourceId: a.resourceId, clientSubsystemId: a.clientSubsystemId, endpointIds, purpose: a.purpose, expiresAt, ratePerMinute: input.ratePerMinute, dailyQuota: input.dailyQuota });
      await tx.db.execute(sql`UPDATE exchange.applications SET grant_id = ${grants[0].id} WHERE id = ${a.id}`);
    }
    if (a.caseId) {
      const comment = (asProvider ? reason : `数据主管部门代为答复 (提供方超期未答复): ${tx.actor.name}${reason ? `。${reason}` : ''}`) || undefined;
      const stepCtx = asProvider ? tx : { ...tx, actor: onBehalf(tx.actor, `${tx.actor.name} (数据主管部门)`) };
      await takeTransition(stepCtx, { caseId: a.caseId, transition: input.decision, comment });
    }
    audit(tx, { action: 'exchange.application.decide', targetType: 'exchange.application', targetId: a.id, targetLabel: `${a.resourceCode} ${a.resourceName}`,
      details: { decision: input.decision, reason: reason || null, byAuthority: !asProvider, grantIds: grants.map((g) => g.id), expiresAt: expiresAt?.toISOString() ?? null } });
    await publish(tx, { type: EVENTS.applicationDecided, orderingKey: a.id, payload: { applicationId: a.id, resourceId: a.resourceId, clientSubsystemId: a.clientSubsystemId, status, byAuthority: !asProvider } });
    return (await load(tx, a.id))!;
  });
}

/** The applicant withdraws a pending application (the person who submitted it, as the case's starter). */
export async function withdrawApplication(ctx: Ctx, input: { id: string }): Promise<ApplicationView> {
  return inTransaction(ctx, async (tx) => {
    const a = await load(tx, input.id, true);
    if (!a || !canSee(tx, a)) throw applicationNotFound();
    if (!isApplicant(tx, a) || !tx.actor.userId || a.requestedBy !== tx.actor.userId) throw forbidden('只有申请人本人可以撤回申请。', 'not_applicant');
    if (a.status !== 'pending') throw conflict('application_closed', `该申请已${a.statusLabel}, 不能撤回`);
    await tx.db.execute(sql`UPDATE exchange.applications SET status = 'withdrawn', decided_at = ${tx.clock.now()}, decided_by_name = ${tx.actor.name} WHERE id = ${a.id}`);
    if (a.caseId) await withdrawCase(tx, { caseId: a.caseId, comment: '申请人撤回申请' });
    audit(tx, { action: 'exchange.application.withdraw', targetType: 'exchange.application', targetId: a.id, targetLabel: `${a.resourceCode} ${a.resourceName}` });
    await publish(tx, { type: EVENTS.applicationWithdrawn, orderingKey: a.id, payload: { applicationId: a.id, resourceId: a.resourceId } });
    return (await load(tx, a.id))!;
  });
}

export type ApplicationSide = 'client' | 'provider' | 'all';

export interface ApplicationFilter {
  /** client: my unit's applications; provider: applications for my unit's resources; all: the data authority's view. */
  side: ApplicationSide;
  status?: ApplicationStatus;
  overdueOnly?: boolean;
  resourceId?: string;
  limit?: number;
}

const unitsWith = (actor: Actor, scopes: string[]): string[] =>
  [...new Set(actor.grants.filter((g) => g.unitId && scopes.some((s) => g.scopes.has(s) || g.scopes.has('*'))).map((g) => g.unitId))];

const inList = (column: SQL, ids: string[]): SQL => (ids.length ? sql`${column} IN (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})` : sql`false`);

export async function listApplications(ctx: Ctx, input: ApplicationFilter): Promise<ApplicationView[]> {
  let where: SQL;
  if (ctx.actor.kind === 'system') where = sql`true`;
  else if (input.side === 'client') where = inList(sql`cm.unit_id`, unitsWith(ctx.actor, [SCOPES.applicationSubmit]));
  else if (input.side === 'provider') where = inList(sql`pm.unit_id`, unitsWith(ctx.actor, [SCOPES.applicationDecide, SCOPES.resourcePublish]));
  else {
    if (!hasScope(ctx.actor, SCOPES.grantManage)) throw forbidden('您没有查看全部共享申请的权限。');
    where = sql`true`;
  }
  const now = ctx.clock.now();
  const rows = await queryRows<ApplicationRow>(ctx.db, sql`${SELECT} WHERE ${where}
    AND (${input.status ?? null}::text IS NULL OR a.status = ${input.status ?? null})
    AND (${input.resourceId ?? null}::uuid IS NULL OR a.resource_id = ${input.resourceId ?? null})
    AND (${input.overdueOnly ?? false} = false OR (a.status = 'pending' AND a.answer_due_at < ${now}))
    ORDER BY a.requested_at DESC LIMIT ${Math.min(Math.max(input.limit ?? 500, 1), 2000)}`);
  const out = rows.map((r) => view(r, now));
  return input.side === 'all' && ctx.actor.kind !== 'system' ? out.filter((a) => isDataAuthority(ctx, a)) : out;
}

/**
 * Applications waiting for this actor: pending ones for resources of units where they hold
 * exchange.application.decide, and (for the data authority) overdue ones anywhere in their region.
 */
export async function applicationsAwaiting(ctx: Ctx): Promise<{ toAnswer: number; overdueForAuthority: number }> {
  const units = unitsWith(ctx.actor, [SCOPES.applicationDecide]);
  const now = ctx.clock.now();
  const toAnswer = units.length
    ? Number((await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM exchange.applications a JOIN exchange.resources r ON r.id = a.resource_id
        JOIN exchange.subsystems ps ON ps.id = r.provider_subsystem_id JOIN exchange.members pm ON pm.id = ps.member_id
        WHERE a.status = 'pending' AND ${inList(sql`pm.unit_id`, units)}`))?.n ?? 0)
    : 0;
  let overdueForAuthority = 0;
  if (hasScope(ctx.actor, SCOPES.grantManage)) {
    const rows = await queryRows<{ region_code: string }>(ctx.db, sql`SELECT pm.region_code FROM exchange.applications a JOIN exchange.resources r ON r.id = a.resource_id
      JOIN exchange.subsystems ps ON ps.id = r.provider_subsystem_id JOIN exchange.members pm ON pm.id = ps.member_id
      WHERE a.status = 'pending' AND a.answer_due_at < ${now}`);
    overdueForAuthority = rows.filter((r) => regionVisible(ctx.actor, SCOPES.grantManage, r.region_code)).length;
  }
  return { toAnswer, overdueForAuthority };
}

/** Open and overdue applications (platform-wide figures for the dashboard). */
export async function applicationCounts(ctx: Ctx): Promise<{ open: number; overdue: number; approved: number; refused: number; withdrawn: number }> {
  const now = ctx.clock.now();
  const r = await queryOne<Record<string, string | number>>(ctx.db, sql`SELECT
      count(*) FILTER (WHERE status = 'pending') AS open,
      count(*) FILTER (WHERE status = 'pending' AND answer_due_at < ${now}) AS overdue,
      count(*) FILTER (WHERE status = 'approved') AS approved,
      count(*) FILTER (WHERE status = 'refused') AS refused,
      count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn
    FROM exchange.applications`);
  return { open: Number(r?.open ?? 0), overdue: Number(r?.overdue ?? 0), approved: Number(r?.approved ?? 0), refused: Number(r?.refused ?? 0), withdrawn: Number(r?.withdrawn ?? 0) };
}

// --- grants, subsystems and credentials as each side sees them ------------------------------------

/** May the actor manage this subsystem's credentials (its own unit's staff, or the member administrator)? */
export function canManageSubsystem(ctx: Ctx, s: Pick<SubsystemView, 'unitId' | 'regionCode'>): boolean {
  return ctx.actor.kind === 'system' || actsForMember(ctx, s, SCOPES.resourcePublish) || actsForMember(ctx, s, SCOPES.applicationSubmit)
    || regionVisible(ctx.actor, SCOPES.memberManage, s.regionCode);
}

/** Subsystems the actor works with: the member administrator's region, else the actor's own units. */
export async function subsystemsFor(ctx: Ctx, input: { memberId?: string } = {}): Promise<SubsystemView[]> {
  const all = await listSubsystems(ctx, input);
  if (ctx.actor.kind === 'system') return all;
  const units = new Set(unitsWith(ctx.actor, Object.values(SCOPES)));
  return all.filter((s) => regionVisible(ctx.actor, SCOPES.memberManage, s.regionCode) || (s.unitId !== null && units.has(s.unitId)));
}

/** Subsystems of the actor's own units that may apply (holders of exchange.application.submit there). */
export async function applicantSubsystems(ctx: Ctx): Promise<SubsystemView[]> {
  const units = unitsWith(ctx.actor, [SCOPES.applicationSubmit]);
  const all = await listSubsystems(ctx, {});
  return all.filter((s) => s.status === 'active' && s.unitId !== null && (ctx.actor.kind === 'system' || units.includes(s.unitId)));
}

export async function credentialsOf(ctx: Ctx, input: { subsystemId: string }): Promise<CredentialView[]> {
  const s = await getSubsystem(ctx, { id: input.subsystemId });
  if (!canManageSubsystem(ctx, s)) throw forbidden('只能查看本单位子系统的接入凭证。');
  return listCredentials(ctx, { subsystemId: s.id });
}

/** Who holds grants on a resource: for its provider's staff and the data authority. */
export async function resourceGrants(ctx: Ctx, input: { resourceId: string; activeOnly?: boolean }): Promise<GrantView[]> {
  const r = await getResource(ctx, { id: input.resourceId });
  if (!canSeeResourceGrants(ctx, r)) throw forbidden('只有提供方单位和数据主管部门可以查看资源的授权。');
  return listGrants(ctx, { resourceId: r.id, activeOnly: input.activeOnly });
}

export function canSeeResourceGrants(ctx: Ctx, r: Pick<ResourceView, 'provider'>): boolean {
  return ctx.actor.kind === 'system' || actsForMember(ctx, r.provider, SCOPES.resourcePublish) || actsForMember(ctx, r.provider, SCOPES.applicationDecide)
    || regionVisible(ctx.actor, SCOPES.grantManage, r.provider.regionCode) || regionVisible(ctx.actor, SCOPES.memberManage, r.provider.regionCode);
}

export interface GrantListItem extends GrantView {
  resourceCode: string;
  resourceName: string;
}

/** client: grants held by the actor's units' subsystems (and their groups); all: every grant (the data authority). */
export async function grantsFor(ctx: Ctx, input: { side: 'client' | 'all'; activeOnly?: boolean }): Promise<GrantListItem[]> {
  let grants: GrantView[];
  if (input.side === 'all') {
    if (!hasScope(ctx.actor, SCOPES.grantManage) && ctx.actor.kind !== 'system') throw forbidden('您没有查看全部授权的权限。');
    grants = await listGrants(ctx, { activeOnly: input.activeOnly });
  } else {
    const units = unitsWith(ctx.actor, [SCOPES.applicationSubmit, SCOPES.subscriptionManage]);
    const mine = (await listSubsystems(ctx, {})).filter((s) => s.unitId !== null && units.includes(s.unitId));
    const seen = new Map<string, GrantView>();
    for (const s of mine) for (const g of await listGrants(ctx, { subsystemId: s.id, activeOnly: input.activeOnly })) seen.set(g.id, g);
    grants = [...seen.values()].sort((a, b) => b.grantedAt.localeCompare(a.grantedAt));
  }
  const names = new Map<string, { code: string; name: string }>();
  for (const g of grants) {
    if (!names.has(g.resourceId)) {
      const r = await queryOne<{ code: string; name: string }>(ctx.db, sql`SELECT code, name FROM exchange.resources WHERE id = ${g.resourceId}`);
      names.set(g.resourceId, r ?? { code: '', name: '' });
    }
  }
  return grants.map((g) => ({ ...g, resourceCode: names.get(g.resourceId)!.code, resourceName: names.get(g.resourceId)!.name }));
}

/** Workbench pending items: applications awaiting this user's answer, and overdue ones escalated to the data authority. */
export async function exchangePendingItems(ctx: Ctx): Promise<PendingItem[]> {
  if (ctx.actor.kind !== 'staff') return [];
  const { toAnswer, overdueForAuthority } = await applicationsAwaiting(ctx);
  const items: PendingItem[] = [];
  if (toAnswer > 0) items.push({ title: '待答复的共享申请', href: '/workbench/exchange/applications?status=pending', count: toAnswer });
  if (overdueForAuthority > 0) items.push({ title: '超期未答复的共享申请 (数据主管部门督办)', href: '/workbench/exchange/applications', count: overdueForAuthority });
  return items;
}
