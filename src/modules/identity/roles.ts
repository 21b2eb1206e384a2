/**
 * Roles are named sets of scopes. The built-in roles include the three administrators of MLPS
 * (系统管理员, 安全管理员, 审计管理员); built-in roles' scopes are fixed so no one can merge them.
 */
import { newId } from '../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { audit } from '../../platform/audit/chain.ts';
import { inTransaction } from '../../platform/transaction.ts';
import { badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { hasScope, type Ctx } from '../../platform/context.ts';
import type { PlatformServices } from '../../platform/module.ts';

export type MlpsAdmin = 'system' | 'security' | 'audit';

export interface Role {
  id: string;
  code: string;
  name: string;
  description: string;
  mlpsAdmin: MlpsAdmin | null;
  requiresMfa: boolean;
  builtin: boolean;
  scopes: string[];
}

export const MLPS_LABELS: Record<MlpsAdmin, string> = { system: '系统管理员', security: '安全管理员', audit: '审计管理员' };

/**
 * The administrative powers that make an account one of the three administrators, whether held
 * through the built-in role or through a custom role: an account may touch at most one of the three.
 * (platform.audit.*, identity.role.write and identity.assignment.write are also reserved, so they
 * cannot appear in custom roles at all.)
 */
export const MLPS_POWERS: Record<MlpsAdmin, string[]> = {
  system: ['identity.user.write', 'identity.service_account.manage', 'platform.events.admin'],
  security: ['identity.user.unlock', 'identity.role.write', 'identity.assignment.write'],
  audit: ['platform.audit.read', 'platform.audit.export'],
};

/** Scopes a custom role may never contain. */
export function isReservedScope(scope: string): boolean {
  return scope.startsWith('platform.audit.') || scope === 'identity.assignment.write' || scope === 'identity.role.write';
}

/** Which of the three administrators a set of roles makes an account (by flag or by power). */
export function mlpsKindsOf(roles: { mlpsAdmin: MlpsAdmin | null; scopes: Iterable<string> }[]): MlpsAdmin[] {
  const kinds = new Set<MlpsAdmin>();
  for (const r of roles) {
    if (r.mlpsAdmin) kinds.add(r.mlpsAdmin);
    for (const s of r.scopes) {
      for (const [k, powers] of Object.entries(MLPS_POWERS) as [MlpsAdmin, string[]][]) if (powers.includes(s)) kinds.add(k);
    }
  }
  return [...kinds];
}

interface BuiltinRole {
  code: string;
  name: string;
  description: string;
  mlpsAdmin: MlpsAdmin | null;
  requiresMfa: boolean;
  scopes: string[];
}

export const BUILTIN_ROLES: BuiltinRole[] = [
  {
    code: 'sys_admin',
    name: '系统管理员',
    description: '等保三员之一: 管理账号、组织目录、系统运行; 不能授权, 不能查看审计日志',
    mlpsAdmin: 'system',
    requiresMfa: true,
    scopes: ['identity.user.read', 'identity.user.write', 'identity.service_account.manage', 'directory.unit.read', 'directory.unit.write', 'directory.network.read', 'directory.network.write', 'platform.events.admin', 'calendar.manage'],
  },
  {
    code: 'sec_admin',
    name: '安全管理员',
    description: '等保三员之一: 管理角色与授权、解锁账号; 不能建账号, 不能查看审计日志',
    mlpsAdmin: 'security',
    requiresMfa: true,
    scopes: ['identity.user.read', 'identity.user.unlock', 'identity.role.read', 'identity.role.write', 'identity.assignment.write'],
  },
  {
    code: 'audit_admin',
    name: '审计管理员',
    description: '等保三员之一: 查看、导出、校验审计日志; 不能修改任何业务数据',
    mlpsAdmin: 'audit',
    requiresMfa: true,
    scopes: ['platform.audit.read', 'platform.audit.export'],
  },
  {
    code: 'unit_admin',
    name: '单位管理员',
    description: '管理本辖区的政府机构、网络接入, 查看本辖区账号',
    mlpsAdmin: null,
    requiresMfa: true,
    scopes: ['directory.unit.read', 'directory.unit.write', 'directory.network.read', 'directory.network.write', 'identity.user.read'],
  },
  {
    code: 'citizen_service',
    name: '政务服务专员',
    description: '核实办事群众身份: 可查看自然人、法人账号, 说明用途后查看完整身份号码 (每次查看均记入审计)',
    mlpsAdmin: null,
    requiresMfa: true,
    scopes: ['identity.user.read', 'identity.person.read_full'],
  },
  {
    code: 'clerk',
    name: '工作人员',
    description: '查看本辖区组织目录',
    mlpsAdmin: null,
    requiresMfa: false,
    scopes: ['directory.unit.read', 'directory.network.read'],
  },
];

/**
 * The built-in roles of a deployment: identity's own plus those the modules declare. A module role
 * may not take a code already used, nor a reserved power of the three administrators, nor a scope
 * no module declares — the start stops rather than grant something unintended.
 */
export function deploymentRoles(services: Pick<PlatformServices, 'roles' | 'scopes'>): BuiltinRole[] {
  const roles: BuiltinRole[] = [...BUILTIN_ROLES];
  const declared = new Set(services.scopes.map((s) => s.name));
  for (const r of services.roles) {
    if (roles.some((x) => x.code === r.code)) throw new Error(`role ${r.code} is declared twice`);
    const reserved = r.scopes.filter((s) => isReservedScope(s) || mlpsKindsOf([{ mlpsAdmin: null, scopes: [s] }]).length > 0);
    if (reserved.length > 0) throw new Error(`role ${r.code} may not hold the administrators' powers ${reserved.join(', ')}`);
    const unknown = r.scopes.filter((s) => !declared.has(s));
    if (unknown.length > 0) throw new Error(`role ${r.code} holds undeclared scopes ${unknown.join(', ')}`);
    roles.push({ ...r, mlpsAdmin: null });
  }
  return roles;
}

/** Installs or refreshes the built-in roles (reference data), identity's and the modules'. */
export async function ensureBuiltinRoles(ctx: Ctx, services: Pick<PlatformServices, 'roles' | 'scopes'>): Promise<void> {
  const roles = deploymentRoles(services);
  await inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    for (const r of roles) {
      const row = await queryOne<{ id: string }>(
        tctx.db,
        sql`INSERT INTO identity.roles (id, code, name, description, mlps_admin, requires_mfa, builtin, created_at, updated_at)
            VALUES (${newId()}, ${r.code}, ${r.name}, ${r.description}, ${r.mlpsAdmin}, ${r.requiresMfa}, true, ${now}, ${now})
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
              mlps_admin = EXCLUDED.mlps_admin, requires_mfa = EXCLUDED.requires_mfa, builtin = true
            RETURNING id`,
      );
      await tctx.db.execute(sql`DELETE FROM identity.role_scopes WHERE role_id = ${row!.id}`);
      for (const s of r.scopes) await tctx.db.execute(sql`INSERT INTO identity.role_scopes (role_id, scope) VALUES (${row!.id}, ${s})`);
    }
  });
}

interface RoleRow {
  id: string;
  code: string;
  name: string;
  description: string;
  mlps_admin: MlpsAdmin | null;
  requires_mfa: boolean;
  builtin: boolean;
  scopes: string[] | null;
}

const toRole = (r: RoleRow): Role => ({
  id: r.id,
  code: r.code,
  name: r.name,
  description: r.description,
  mlpsAdmin: r.mlps_admin,
  requiresMfa: r.requires_mfa,
  builtin: r.builtin,
  scopes: (r.scopes ?? []).filter(Boolean).sort(),
});

export async function listRoles(ctx: Ctx): Promise<Role[]> {
  const rows = await queryRows<RoleRow>(
    ctx.db,
    sql`SELECT r.*, array_agg(s.scope ORDER BY s.scope) AS scopes FROM identity.roles r
        LEFT JOIN identity.role_scopes s ON s.role_id = r.id GROUP BY r.id ORDER BY r.builtin DESC, r.code`,
  );
  return rows.map(toRole);
}

export async function getRole(ctx: Ctx, input: { id?: string; code?: string }): Promise<Role | null> {
  const rows = await queryRows<RoleRow>(
    ctx.db,
    sql`SELECT r.*, array_agg(s.scope ORDER BY s.scope) AS scopes FROM identity.roles r
        LEFT JOIN identity.role_scopes s ON s.role_id = r.id
        WHERE ${input.id ? sql`r.id = ${input.id}` : sql`r.code = ${input.code ?? ''}`} GROUP BY r.id`,
  );
  return rows[0] ? toRole(rows[0]) : null;
}

export interface RoleInput {
  code: string;
  name: string;
  description?: string;
  requiresMfa?: boolean;
  scopes: string[];
}

function checkScopes(scopes: string[], known: string[]): void {
  const unknown = scopes.filter((s) => !known.includes(s));
  if (unknown.length) throw badRequest('unknown_scope', `未知的权限范围: ${unknown.join(', ')}`, [{ field: 'scopes', message: `未知的权限范围: ${unknown.join(', ')}` }]);
  // Powers reserved to the three administrators cannot be put into an ordinary role.
  const reserved = scopes.filter(isReservedScope);
  if (reserved.length) throw badRequest('reserved_scope', `以下权限只属于三员内置角色, 不能授予自定义角色: ${reserved.join(', ')}`, [{ field: 'scopes', message: `包含三员专属权限: ${reserved.join(', ')}` }]);
  const kinds = mlpsKindsOf([{ mlpsAdmin: null, scopes }]);
  if (kinds.length > 1) {
    throw badRequest('mlps_separation', `一个角色不能同时包含${kinds.map((k) => MLPS_LABELS[k]).join('与')}的管理权限 (等级保护“三员分立”)`, [{ field: 'scopes', message: '混合了两类管理员的权限' }]);
  }
}

function checkRoleFields(input: { name: string; description?: string }): void {
  const problems = [];
  const name = input.name.trim();
  if (name.length < 2 || name.length > 50) problems.push({ field: 'name', message: '角色名称应为 2-50 个字符' });
  if ((input.description ?? '').length > 500) problems.push({ field: 'description', message: '说明不能超过 500 个字符' });
  if (problems.length) throw badRequest('validation_failed', problems.map((p) => p.message).join('; '), problems);
}

export async function createRole(ctx: Ctx, input: RoleInput & { knownScopes: string[] }): Promise<Role> {
  if (!hasScope(ctx.actor, 'identity.role.write')) throw forbidden();
  if (!/^[a-z][a-z0-9_]{1,39}$/.test(input.code)) throw badRequest('invalid_role_code', '角色代码应为 2-40 位小写字母、数字或下划线, 以字母开头', [{ field: 'code', message: '角色代码应为 2-40 位小写字母、数字或下划线, 以字母开头' }]);
  checkRoleFields(input);
  checkScopes(input.scopes, input.knownScopes);
  return inTransaction(ctx, async (tctx) => {
    const exists = await queryOne(tctx.db, sql`SELECT 1 FROM identity.roles WHERE code = ${input.code}`);
    if (exists) throw conflict('role_exists', `角色代码 ${input.code} 已存在`);
    const id = newId();
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO identity.roles (id, code, name, description, mlps_admin, requires_mfa, builtin, created_at, updated_at)
      VALUES (${id}, ${input.code}, ${input.name.trim()}, ${input.description ?? ''}, NULL, ${input.requiresMfa ?? false}, false, ${now}, ${now})`);
    for (const s of new Set(input.scopes)) await tctx.db.execute(sql`INSERT INTO identity.role_scopes (role_id, scope) VALUES (${id}, ${s})`);
    audit(tctx, { action: 'identity.role.create', targetType: 'identity.role', targetId: id, targetLabel: input.name, details: { code: input.code, scopes: input.scopes } });
    return (await getRole(tctx, { id }))!;
  });
}

export async function updateRole(ctx: Ctx, input: { id: string; name: string; description?: string; requiresMfa?: boolean; scopes: string[]; knownScopes: string[] }): Promise<Role> {
  if (!hasScope(ctx.actor, 'identity.role.write')) throw forbidden();
  const role = await getRole(ctx, { id: input.id });
  if (!role) throw notFound('role_not_found', '角色不存在');
  if (role.builtin) throw conflict('builtin_role', '内置角色的权限固定, 不能修改 (保证三员分立)');
  checkRoleFields(input);
  checkScopes(input.scopes, input.knownScopes);
  return inTransaction(ctx, async (tctx) => {
    await tctx.db.execute(sql`SELECT id FROM identity.roles WHERE id = ${input.id} FOR UPDATE`);
    // The new scopes must not make any holder of this role two of the three administrators.
    const holders = await queryRows<{ user_id: string; display_name: string }>(tctx.db, sql`SELECT DISTINCT a.user_id, u.display_name FROM identity.assignments a
      JOIN identity.users u ON u.id = a.user_id WHERE a.role_id = ${input.id}`);
    for (const h of holders) {
      const others = await rolesOfUser(tctx, h.user_id, input.id);
      const kinds = mlpsKindsOf([...others, { mlpsAdmin: null, scopes: input.scopes }]);
      if (kinds.length > 1) {
        throw conflict('mlps_separation', `修改后账号“${h.display_name}”将同时具有${kinds.map((k) => MLPS_LABELS[k]).join('与')}的权限 (等级保护“三员分立”)`);
      }
    }
    await tctx.db.execute(sql`UPDATE identity.roles SET name = ${input.name.trim()}, description = ${input.description ?? ''},
      requires_mfa = ${input.requiresMfa ?? false}, updated_at = ${tctx.clock.now().toISOString()} WHERE id = ${input.id}`);
    await tctx.db.execute(sql`DELETE FROM identity.role_scopes WHERE role_id = ${input.id}`);
    for (const s of new Set(input.scopes)) await tctx.db.execute(sql`INSERT INTO identity.role_scopes (role_id, scope) VALUES (${input.id}, ${s})`);
    const added = input.scopes.filter((s) => !role.scopes.includes(s));
    const removed = role.scopes.filter((s) => !input.scopes.includes(s));
    audit(tctx, { action: 'identity.role.update', targetType: 'identity.role', targetId: input.id, targetLabel: input.name, details: { added, removed, name: input.name } });
    return (await getRole(tctx, { id: input.id }))!;
  });
}

/** The roles an account holds (optionally leaving one out), with their MLPS flag and scopes. */
export async function rolesOfUser(ctx: Ctx, userId: string, exceptRoleId?: string): Promise<{ mlpsAdmin: MlpsAdmin | null; scopes: string[] }[]> {
  const rows = await queryRows<{ mlps_admin: MlpsAdmin | null; scopes: string[] | null }>(ctx.db, sql`SELECT r.mlps_admin, array_agg(s.scope) AS scopes
    FROM identity.assignments a JOIN identity.roles r ON r.id = a.role_id LEFT JOIN identity.role_scopes s ON s.role_id = r.id
    WHERE a.user_id = ${userId} AND (${exceptRoleId ?? null}::uuid IS NULL OR r.id <> ${exceptRoleId ?? null}::uuid)
    GROUP BY a.id, r.mlps_admin`);
  return rows.map((r) => ({ mlpsAdmin: r.mlps_admin, scopes: (r.scopes ?? []).filter(Boolean) }));
}
