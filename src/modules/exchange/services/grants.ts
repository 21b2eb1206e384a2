/**
 * Grants (访问授权): a subsystem or a group may call a resource (or one endpoint of it), until an
 * expiry, within per-grant rate limits and quotas; the data authority revokes. `createGrant` is the
 * one writer (applications call it inside their transaction); `findActiveGrant` is what the gateway
 * and event subscriptions check.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { badRequest, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { newId } from '../../../platform/ids.ts';
import { EVENTS, SCOPES, iso } from '../model.ts';
import { getResource } from './catalog.ts';
import { getSubsystem } from './members.ts';

export interface GrantView {
  id: string;
  resourceId: string;
  endpointId: string | null;
  subsystemId: string | null;
  groupId: string | null;
  /** X-Road id of the subsystem, or the group's name. */
  granteeLabel: string;
  purpose: string;
  applicationId: string | null;
  /** Effective limits: the grant's own, else the resource's default (null: unlimited). */
  ratePerMinute: number | null;
  dailyQuota: number | null;
  grantedByName: string;
  grantedAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedByName: string | null;
  revokeReason: string | null;
  active: boolean;
}

interface GrantRow {
  id: string;
  resource_id: string;
  endpoint_id: string | null;
  subsystem_id: string | null;
  group_id: string | null;
  grantee_label: string;
  purpose: string;
  application_id: string | null;
  rate_per_minute: number | null;
  daily_quota: number | null;
  granted_by_name: string;
  granted_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  revoked_by_name: string | null;
  revoke_reason: string | null;
}

const GRANT_SELECT = sql`SELECT g.id, g.resource_id, g.endpoint_id, g.subsystem_id, g.group_id,
  COALESCE('CN-HA/' || m.member_class || '/' || m.member_code || '/' || s.code, gr.name) AS grantee_label,
  g.purpose, g.application_id, COALESCE(g.rate_per_minute, r.rate_per_minute) AS rate_per_minute, COALESCE(g.daily_quota, r.daily_quota) AS daily_quota,
  g.granted_by_name, g.granted_at, g.expires_at, g.revoked_at, g.revoked_by_name, g.revoke_reason
  FROM exchange.grants g JOIN exchange.resources r ON r.id = g.resource_id
  LEFT JOIN exchange.subsystems s ON s.id = g.subsystem_id LEFT JOIN exchange.members m ON m.id = s.member_id
  LEFT JOIN exchange.groups gr ON gr.id = g.group_id`;

function view(r: GrantRow, now: Date): GrantView {
  const expires = r.expires_at ? new Date(r.expires_at) : null;
  return {
    id: r.id,
    resourceId: r.resource_id,
    endpointId: r.endpoint_id,
    subsystemId: r.subsystem_id,
    groupId: r.group_id,
    granteeLabel: r.grantee_label,
    purpose: r.purpose,
    applicationId: r.application_id,
    ratePerMinute: r.rate_per_minute === null ? null : Number(r.rate_per_minute),
    dailyQuota: r.daily_quota === null ? null : Number(r.daily_quota),
    grantedByName: r.granted_by_name,
    grantedAt: iso(r.granted_at),
    expiresAt: expires ? expires.toISOString() : null,
    revokedAt: r.revoked_at ? iso(r.revoked_at) : null,
    revokedByName: r.revoked_by_name,
    revokeReason: r.revoke_reason,
    active: r.revoked_at === null && (expires === null || expires > now),
  };
}

export interface GrantInput {
  resourceId: string;
  endpointId?: string | null;
  subsystemId?: string | null;
  groupId?: string | null;
  purpose: string;
  applicationId?: string | null;
  ratePerMinute?: number | null;
  dailyQuota?: number | null;
  expiresAt?: Date | null;
}

/** Writes a grant without a permission check: callers decide who may (the data authority, an approved application). */
export async function createGrant(ctx: Ctx, input: GrantInput): Promise<GrantView> {
  if (Boolean(input.subsystemId) === Boolean(input.groupId)) throw badRequest('grantee_invalid', '授权对象须为一个子系统或一个分组');
  if (!input.purpose?.trim()) throw badRequest('purpose_required', '请写明授权用途');
  const resource = await getResource(ctx, { id: input.resourceId });
  if (resource.shareType === 'none') throw conflict('resource_not_shared', `资源「${resource.name}」为不予共享, 依据: ${resource.legalBasis}`);
  if (resource.status !== 'published') throw conflict('resource_withdrawn', `资源「${resource.name}」已撤销`);
  if (input.endpointId && !resource.endpoints.some((e) => e.id === input.endpointId)) throw badRequest('endpoint_invalid', '该端点不属于这个资源');
  if (input.subsystemId) await getSubsystem(ctx, { id: input.subsystemId });
  if (input.expiresAt && input.expiresAt <= ctx.clock.now()) throw badRequest('expiry_past', '到期时间应晚于现在');
  return inTransaction(ctx, async (tx) => {
    const id = newId();
    await tx.db.execute(sql`INSERT INTO exchange.grants (id, resource_id, endpoint_id, subsystem_id, group_id, purpose, application_id, rate_per_minute, daily_quota,
      granted_by_name, granted_at, expires_at) VALUES (${id}, ${resource.id}, ${input.endpointId ?? null}, ${input.subsystemId ?? null}, ${input.groupId ?? null},
      ${input.purpose.trim()}, ${input.applicationId ?? null}, ${input.ratePerMinute ?? null}, ${input.dailyQuota ?? null}, ${ctx.actor.name}, ${ctx.clock.now()}, ${input.expiresAt ?? null})`);
    const g = await getGrant(tx, { id });
    audit(tx, { action: 'exchange.grant.create', targetType: 'exchange.resource', targetId: resource.id, targetLabel: `${resource.code} ${resource.name}`, details: { grantId: id, grantee: g.granteeLabel, endpointId: input.endpointId ?? null, expiresAt: g.expiresAt } });
    await publish(tx, { type: EVENTS.grantCreated, orderingKey: resource.id, payload: { grantId: id, resourceId: resource.id, subsystemId: input.subsystemId ?? null, groupId: input.groupId ?? null } });
    return g;
  });
}

/** A direct grant by the data authority (exchange.grant.manage). */
export async function grantAccess(ctx: Ctx, input: GrantInput): Promise<GrantView> {
  if (!hasScope(ctx.actor, SCOPES.grantManage)) throw forbidden('您没有直接授权的权限。');
  return createGrant(ctx, input);
}

export async function getGrant(ctx: Ctx, input: { id: string }): Promise<GrantView> {
  const row = await queryOne<GrantRow>(ctx.db, sql`${GRANT_SELECT} WHERE g.id = ${input.id}`);
  if (!row) throw notFound('grant_not_found', '授权不存在');
  return view(row, ctx.clock.now());
}

export async function revokeGrant(ctx: Ctx, input: { id: string; reason: string }): Promise<GrantView> {
  if (!hasScope(ctx.actor, SCOPES.grantManage)) throw forbidden('您没有吊销授权的权限。');
  if (!input.reason?.trim()) throw badRequest('reason_required', '请说明吊销理由');
  const g = await getGrant(ctx, input);
  if (g.revokedAt) throw conflict('grant_revoked', '该授权已经吊销');
  return inTransaction(ctx, async (tx) => {
    await tx.db.execute(sql`UPDATE exchange.grants SET revoked_at = ${ctx.clock.now()}, revoked_by_name = ${ctx.actor.name}, revoke_reason = ${input.reason.trim()} WHERE id = ${g.id}`);
    audit(tx, { action: 'exchange.grant.revoke', targetType: 'exchange.resource', targetId: g.resourceId, details: { grantId: g.id, grantee: g.granteeLabel, reason: input.reason } });
    await publish(tx, { type: EVENTS.grantRevoked, orderingKey: g.resourceId, payload: { grantId: g.id, resourceId: g.resourceId } });
    return getGrant(tx, { id: g.id });
  });
}

export async function listGrants(ctx: Ctx, input: { resourceId?: string; subsystemId?: string; activeOnly?: boolean }): Promise<GrantView[]> {
  const rows = await queryRows<GrantRow>(ctx.db, sql`${GRANT_SELECT}
    WHERE (${input.resourceId ?? null}::uuid IS NULL OR g.resource_id = ${input.resourceId ?? null})
      AND (${input.subsystemId ?? null}::uuid IS NULL OR g.subsystem_id = ${input.subsystemId ?? null}
           OR g.group_id IN (SELECT group_id FROM exchange.group_members WHERE subsystem_id = ${input.subsystemId ?? null}))
    ORDER BY g.granted_at DESC`);
  const now = ctx.clock.now();
  const all = rows.map((r) => view(r, now));
  return input.activeOnly ? all.filter((g) => g.active) : all;
}

/**
 * The grant that lets `clientSubsystemId` call `resourceId` (at `endpointId`, if given) now: a
 * grant to the subsystem or one of its groups, for the whole resource or that endpoint, not revoked
 * or expired. An endpoint-level grant wins over a resource-level one (its limits apply); null: none.
 */
export async function findActiveGrant(ctx: Ctx, input: { clientSubsystemId: string; resourceId: string; endpointId?: string | null }): Promise<GrantView | null> {
  const now = ctx.clock.now();
  const row = await queryOne<GrantRow>(ctx.db, sql`${GRANT_SELECT}
    WHERE g.resource_id = ${input.resourceId} AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > ${now})
      AND (g.endpoint_id IS NULL OR g.endpoint_id = ${input.endpointId ?? null})
      AND (g.subsystem_id = ${input.clientSubsystemId}
           OR g.group_id IN (SELECT group_id FROM exchange.group_members WHERE subsystem_id = ${input.clientSubsystemId}))
    ORDER BY (g.endpoint_id IS NULL), g.granted_at DESC LIMIT 1`);
  return row ? view(row, now) : null;
}
