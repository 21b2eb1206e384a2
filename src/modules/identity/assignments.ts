/**
 * Assignments (user, role, unit). Enforces the MLPS separation of the three administrators: one
 * account never holds two of system / security / audit administrator, and nobody grants to themselves.
 */
import { newId } from '../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { audit } from '../../platform/audit/chain.ts';
import { inTransaction } from '../../platform/transaction.ts';
import { badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { hasScope, regionVisible, type Ctx, type Grant } from '../../platform/context.ts';
import { getUnitSummary } from '../directory/index.ts';
import { MLPS_LABELS, mlpsKindsOf, rolesOfUser, type MlpsAdmin } from './roles.ts';

export interface AssignmentView {
  id: string;
  userId: string;
  roleId: string;
  roleCode: string;
  roleName: string;
  unitId: string;
  unitName: string;
  regionCode: string;
  createdAt: string;
}

interface AssignmentRow {
  id: string;
  user_id: string;
  role_id: string;
  code: string;
  name: string;
  unit_id: string;
  created_at: Date | string;
  mlps_admin: MlpsAdmin | null;
}

export async function listAssignments(ctx: Ctx, input: { userId: string }): Promise<AssignmentView[]> {
  const rows = await queryRows<AssignmentRow>(
    ctx.db,
    sql`SELECT a.id, a.user_id, a.role_id, r.code, r.name, a.unit_id, a.created_at, r.mlps_admin
        FROM identity.assignments a JOIN identity.roles r ON r.id = a.role_id WHERE a.user_id = ${input.userId} ORDER BY a.created_at`,
  );
  const out: AssignmentView[] = [];
  for (const r of rows) {
    const unit = await getUnitSummary(ctx, r.unit_id);
    out.push({ id: r.id, userId: r.user_id, roleId: r.role_id, roleCode: r.code, roleName: r.name, unitId: r.unit_id,
      unitName: unit?.name ?? '(单位不存在)', regionCode: unit?.regionCode ?? '', createdAt: new Date(r.created_at).toISOString() });
  }
  return out;
}

export async function assignRole(ctx: Ctx, input: { userId: string; roleId: string; unitId: string }): Promise<AssignmentView> {
  if (!hasScope(ctx.actor, 'identity.assignment.write')) throw forbidden();
  if (input.userId === ctx.actor.userId) throw forbidden('不能给自己授权。', 'self_grant');
  const unit = await getUnitSummary(ctx, input.unitId);
  if (!unit) throw badRequest('unit_not_found', '单位不存在', [{ field: 'unitId', message: '单位不存在' }]);
  if (unit.status !== 'active') throw badRequest('unit_inactive', '单位已停用, 不能授权');
  if (!regionVisible(ctx.actor, 'identity.assignment.write', unit.regionCode)) throw forbidden('只能在本辖区的单位授权。');
  return inTransaction(ctx, async (tctx) => {
    // Lock the account so two concurrent grants cannot together break the separation of duties.
    const user = await queryOne<{ id: string; kind: string; display_name: string; home_unit_id: string | null }>(tctx.db, sql`SELECT id, kind, display_name, home_unit_id
      FROM identity.users WHERE id = ${input.userId} FOR UPDATE`);
    if (!user) throw notFound('user_not_found', '账号不存在');
    // The account itself must belong to a unit within the granter's region (else: as if it did not exist).
    const home = user.home_unit_id ? await getUnitSummary(tctx, user.home_unit_id) : null;
    if (user.kind !== 'staff' && user.kind !== 'service') throw badRequest('not_staff', '只能给工作人员或服务账号授权');
    if (!home || !regionVisible(ctx.actor, 'identity.assignment.write', home.regionCode)) throw notFound('user_not_found', '账号不存在');
    const role = await queryOne<{ id: string; code: string; name: string; mlps_admin: MlpsAdmin | null; scopes: string[] | null }>(tctx.db, sql`SELECT r.id, r.code, r.name, r.mlps_admin,
      array_agg(s.scope) AS scopes FROM identity.roles r LEFT JOIN identity.role_scopes s ON s.role_id = r.id WHERE r.id = ${input.roleId} GROUP BY r.id`);
    if (!role) throw badRequest('role_not_found', '角色不存在', [{ field: 'roleId', message: '角色不存在' }]);
    const roleScopes = (role.scopes ?? []).filter(Boolean);
    if (user.kind === 'service' && mlpsKindsOf([{ mlpsAdmin: role.mlps_admin, scopes: roleScopes }]).length > 0) throw badRequest('service_admin', '服务账号不能担任三员, 也不能持有三员的管理权限');
    // Separation of the three administrators: by the role's flag and by the powers it carries.
    const held = await rolesOfUser(tctx, input.userId);
    const before = mlpsKindsOf(held);
    const after = mlpsKindsOf([...held, { mlpsAdmin: role.mlps_admin, scopes: roleScopes }]);
    if (after.length > 1) {
      if (before.length === 0) throw conflict('mlps_separation', `角色“${role.name}”同时包含${after.map((k) => MLPS_LABELS[k]).join('与')}的管理权限, 不能授予任何账号 (等级保护“三员分立”)`);
      const existing = before.map((k) => (held.some((r) => r.mlpsAdmin === k) ? MLPS_LABELS[k] : `${MLPS_LABELS[k]}权限的持有者`)).join('、');
      const added = after.filter((k) => !before.includes(k)).map((k) => MLPS_LABELS[k]).join('、');
      throw conflict('mlps_separation', `该账号已是${existing}, 不能同时担任${added}或持有其管理权限 (等级保护“三员分立”)`);
    }
    const dup = await queryOne(tctx.db, sql`SELECT 1 FROM identity.assignments WHERE user_id = ${input.userId} AND role_id = ${input.roleId} AND unit_id = ${input.unitId}`);
    if (dup) throw conflict('assignment_exists', '该账号在此单位已有此角色');
    const id = newId();
    await tctx.db.execute(sql`INSERT INTO identity.assignments (id, user_id, role_id, unit_id, created_at, created_by)
      VALUES (${id}, ${input.userId}, ${input.roleId}, ${input.unitId}, ${tctx.clock.now().toISOString()}, ${ctx.actor.userId})`);
    audit(tctx, { action: 'identity.assignment.create', targetType: 'identity.user', targetId: input.userId, targetLabel: user.display_name,
      details: { role: role.code, unitId: input.unitId, unitName: unit.name } });
    return (await listAssignments(tctx, { userId: input.userId })).find((a) => a.id === id)!;
  });
}

export async function removeAssignment(ctx: Ctx, input: { assignmentId: string }): Promise<void> {
  if (!hasScope(ctx.actor, 'identity.assignment.write')) throw forbidden();
  await inTransaction(ctx, async (tctx) => {
    const row = await queryOne<{ user_id: string; unit_id: string; code: string }>(tctx.db, sql`SELECT a.user_id, a.unit_id, r.code FROM identity.assignments a
      JOIN identity.roles r ON r.id = a.role_id WHERE a.id = ${input.assignmentId}`);
    if (!row) throw notFound('assignment_not_found', '授权不存在');
    if (row.user_id === ctx.actor.userId) throw forbidden('不能修改自己的授权。', 'self_grant');
    const unit = await getUnitSummary(tctx, row.unit_id);
    if (!unit || !regionVisible(ctx.actor, 'identity.assignment.write', unit.regionCode)) throw forbidden('只能在本辖区的单位授权。');
    await tctx.db.execute(sql`DELETE FROM identity.assignments WHERE id = ${input.assignmentId}`);
    audit(tctx, { action: 'identity.assignment.remove', targetType: 'identity.user', targetId: row.user_id, details: { role: row.code, unitId: row.unit_id } });
  });
}

/** The grants of an account, resolved with their units' regions (for the session actor). */
export async function grantsOf(ctx: Ctx, userId: string): Promise<{ grants: Grant[]; requiresMfa: boolean }> {
  const rows = await queryRows<{ code: string; name: string; unit_id: string; requires_mfa: boolean; scopes: string[] | null }>(
    ctx.db,
    sql`SELECT r.code, r.name, a.unit_id, r.requires_mfa, array_agg(s.scope) AS scopes
        FROM identity.assignments a JOIN identity.roles r ON r.id = a.role_id
        LEFT JOIN identity.role_scopes s ON s.role_id = r.id
        WHERE a.user_id = ${userId} GROUP BY r.code, r.name, a.unit_id, r.requires_mfa, a.created_at ORDER BY a.created_at`,
  );
  const grants: Grant[] = [];
  let requiresMfa = false;
  for (const r of rows) {
    const unit = await getUnitSummary(ctx, r.unit_id);
    if (!unit || unit.status !== 'active') continue; // a deactivated unit confers nothing
    requiresMfa ||= r.requires_mfa;
    grants.push({ roleCode: r.code, roleName: r.name, unitId: unit.id, unitName: unit.name, regionCode: unit.regionCode, regionPrefix: unit.regionPrefix,
      scopes: new Set((r.scopes ?? []).filter(Boolean)) });
  }
  return { grants, requiresMfa };
}
