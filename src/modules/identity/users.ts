/**
 * Accounts: staff (managed by the system administrator of their region), citizens and
 * enterprises (self-registered), service accounts of member systems. Personal data (ID number,
 * phone) is masked unless the reader holds identity.person.read_full and states a purpose.
 */
import { newId } from '../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { audit } from '../../platform/audit/chain.ts';
import { inTransaction } from '../../platform/transaction.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { hasScope, regionPrefixesFor, regionVisible, type Ctx } from '../../platform/context.ts';
import { maskIdNumber, maskPhone } from '../../platform/identifiers/index.ts';
import { getUnitSummary } from '../directory/index.ts';
import { assertPasswordAcceptable, hashPassword } from './passwords.ts';

export type UserKind = 'staff' | 'citizen' | 'enterprise' | 'service';

export interface UserView {
  id: string;
  kind: UserKind;
  loginName: string;
  displayName: string;
  /** Masked unless read through readPersonalData. */
  idNumber: string | null;
  uscc: string | null;
  phone: string | null;
  email: string | null;
  homeUnitId: string | null;
  homeUnitName: string | null;
  status: 'active' | 'disabled';
  locked: boolean;
  totpEnabled: boolean;
  isDemo: boolean;
  createdAt: string;
}

interface UserRow {
  id: string;
  kind: UserKind;
  login_name: string;
  display_name: string;
  id_number: string | null;
  uscc: string | null;
  phone: string | null;
  email: string | null;
  home_unit_id: string | null;
  home_region_code: string | null;
  status: 'active' | 'disabled';
  locked_until: Date | string | null;
  totp_enabled: boolean;
  is_demo: boolean;
  created_at: Date | string;
}

function toView(r: UserRow, now: Date, unitName: string | null): UserView {
  const isCitizenLogin = r.kind === 'citizen';
  return {
    id: r.id,
    kind: r.kind,
    loginName: isCitizenLogin ? maskIdNumber(r.login_name) : r.login_name,
    displayName: r.display_name,
    idNumber: r.id_number ? maskIdNumber(r.id_number) : null,
    uscc: r.uscc,
    phone: r.phone ? maskPhone(r.phone) : null,
    email: r.email,
    homeUnitId: r.home_unit_id,
    homeUnitName: unitName,
    status: r.status,
    locked: r.locked_until !== null && new Date(r.locked_until).getTime() > now.getTime(),
    totpEnabled: r.totp_enabled,
    isDemo: r.is_demo,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

async function unitRegion(ctx: Ctx, unitId: string | null): Promise<{ name: string; regionCode: string } | null> {
  if (!unitId) return null;
  const u = await getUnitSummary(ctx, unitId);
  return u ? { name: u.name, regionCode: u.regionCode } : null;
}

/** Staff and service accounts are visible within the region of their unit; citizens to whoever holds identity.user.read province-wide. */
function canSeeAccount(ctx: Ctx, kind: UserKind, regionCode: string | null): boolean {
  if (kind === 'citizen' || kind === 'enterprise') return regionPrefixesFor(ctx.actor, 'identity.user.read').some((p) => p.length <= 2);
  return regionCode !== null && regionVisible(ctx.actor, 'identity.user.read', regionCode);
}

export async function getUser(ctx: Ctx, input: { id: string }): Promise<UserView> {
  if (!hasScope(ctx.actor, 'identity.user.read') && ctx.actor.userId !== input.id) throw forbidden();
  const row = await queryOne<UserRow>(ctx.db, sql`SELECT u.*, NULL AS home_region_code FROM identity.users u WHERE u.id = ${input.id}`);
  if (!row) throw notFound('user_not_found', '账号不存在');
  const unit = await unitRegion(ctx, row.home_unit_id);
  if (ctx.actor.userId !== input.id && !canSeeAccount(ctx, row.kind, unit?.regionCode ?? null)) throw notFound('user_not_found', '账号不存在');
  return toView(row, ctx.clock.now(), unit?.name ?? null);
}

export interface ListUsersInput {
  kind?: UserKind;
  search?: string;
  page?: number;
  pageSize?: number;
}

export async function listUsers(ctx: Ctx, input: ListUsersInput): Promise<{ total: number; items: UserView[] }> {
  if (!hasScope(ctx.actor, 'identity.user.read')) throw forbidden();
  const pageSize = Math.min(input.pageSize ?? 20, 200);
  const page = Math.max(1, input.page ?? 1);
  const rows = await queryRows<UserRow>(
    ctx.db,
    sql`SELECT u.*, NULL AS home_region_code FROM identity.users u
        WHERE (${input.kind ?? null}::text IS NULL OR u.kind = ${input.kind ?? null})
          AND (${input.search ?? null}::text IS NULL OR u.display_name ILIKE ${`%${input.search ?? ''}%`} OR u.login_name = ${input.search ?? ''})
        ORDER BY u.kind, u.created_at`,
  );
  const visible: UserView[] = [];
  const now = ctx.clock.now();
  for (const r of rows) {
    const unit = await unitRegion(ctx, r.home_unit_id);
    if (canSeeAccount(ctx, r.kind, unit?.regionCode ?? null)) visible.push(toView(r, now, unit?.name ?? null));
  }
  return { total: visible.length, items: visible.slice((page - 1) * pageSize, page * pageSize) };
}

export interface CreateStaffInput {
  loginName: string;
  displayName: string;
  password: string;
  homeUnitId: string;
  phone?: string;
  email?: string;
  kind?: 'staff' | 'service';
  isDemo?: boolean;
}

const LOGIN_NAME = /^[a-z][a-z0-9._-]{2,31}$/;

export async function createStaffUser(ctx: Ctx, input: CreateStaffInput): Promise<UserView> {
  if (!hasScope(ctx.actor, 'identity.user.write')) throw forbidden();
  const kind = input.kind ?? 'staff';
  const problems = [];
  if (!LOGIN_NAME.test(input.loginName)) problems.push({ field: 'loginName', message: '登录名应为 3-32 位小写字母、数字、点、下划线或连字符, 以字母开头' });
  if (input.displayName.length < 2 || input.displayName.length > 50) problems.push({ field: 'displayName', message: '姓名应为 2-50 个字符' });
  if (input.phone && !/^1\d{10}$/.test(input.phone)) problems.push({ field: 'phone', message: '手机号码应为 11 位数字, 以 1 开头' });
  if (input.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email)) problems.push({ field: 'email', message: '电子邮箱格式不正确' });
  if (problems.length) throw new AppError({ code: 'validation_failed', message: problems.map((p) => p.message).join('; '), fields: problems });
  if (kind === 'staff') assertPasswordAcceptable(input.password, input.loginName);
  const unit = await getUnitSummary(ctx, input.homeUnitId);
  if (!unit) throw badRequest('unit_not_found', '所属单位不存在', [{ field: 'homeUnitId', message: '所属单位不存在' }]);
  if (!regionVisible(ctx.actor, 'identity.user.write', unit.regionCode)) throw forbidden('只能在本辖区的单位中创建账号。');
  const passwordHash = kind === 'staff' ? await hashPassword(input.password) : null;
  return inTransaction(ctx, async (tctx) => {
    const exists = await queryOne(tctx.db, sql`SELECT 1 FROM identity.users WHERE login_name = ${input.loginName}`);
    if (exists) throw conflict('login_name_taken', `登录名 ${input.loginName} 已被使用`);
    const id = newId();
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO identity.users (id, kind, login_name, display_name, phone, email, home_unit_id, password_hash,
        status, password_changed_at, is_demo, created_at, updated_at)
      VALUES (${id}, ${kind}, ${input.loginName}, ${input.displayName}, ${input.phone ?? null}, ${input.email ?? null}, ${input.homeUnitId},
        ${passwordHash}, 'active', ${now}, ${input.isDemo ?? false}, ${now}, ${now})`);
    audit(tctx, {
      action: kind === 'staff' ? 'identity.user.create' : 'identity.service_account.create',
      targetType: 'identity.user',
      targetId: id,
      targetLabel: input.displayName,
      details: { loginName: input.loginName, homeUnitId: input.homeUnitId, kind },
    });
    return getUser(tctx, { id });
  });
}

async function loadForChange(ctx: Ctx, id: string, scope: string): Promise<UserRow> {
  if (!hasScope(ctx.actor, scope)) throw forbidden();
  const row = await queryOne<UserRow>(ctx.db, sql`SELECT u.*, NULL AS home_region_code FROM identity.users u WHERE u.id = ${id} FOR UPDATE`);
  if (!row) throw notFound('user_not_found', '账号不存在');
  const unit = await unitRegion(ctx, row.home_unit_id);
  const visible = row.kind === 'citizen' || row.kind === 'enterprise'
    ? regionPrefixesFor(ctx.actor, scope).some((p) => p.length <= 2)
    : unit !== null && regionVisible(ctx.actor, scope, unit.regionCode);
  if (!visible) throw notFound('user_not_found', '账号不存在');
  return row;
}

export async function updateStaffUser(ctx: Ctx, input: { id: string; displayName: string; phone?: string; email?: string }): Promise<UserView> {
  return inTransaction(ctx, async (tctx) => {
    const row = await loadForChange(tctx, input.id, 'identity.user.write');
    if (input.displayName.length < 2 || input.displayName.length > 50) throw badRequest('validation_failed', '姓名应为 2-50 个字符', [{ field: 'displayName', message: '姓名应为 2-50 个字符' }]);
    if (input.phone && !/^1\d{10}$/.test(input.phone)) throw badRequest('validation_failed', '手机号码应为 11 位数字, 以 1 开头', [{ field: 'phone', message: '手机号码格式不正确' }]);
    await tctx.db.execute(sql`UPDATE identity.users SET display_name = ${input.displayName}, phone = ${input.phone ?? null}, email = ${input.email ?? null},
      updated_at = ${tctx.clock.now().toISOString()} WHERE id = ${input.id}`);
    audit(tctx, { action: 'identity.user.update', targetType: 'identity.user', targetId: input.id, targetLabel: input.displayName,
      details: { displayName: [row.display_name, input.displayName], phoneChanged: (row.phone ?? '') !== (input.phone ?? ''), email: [row.email, input.email ?? null] } });
    return getUser(tctx, { id: input.id });
  });
}

export async function setUserStatus(ctx: Ctx, input: { id: string; status: 'active' | 'disabled' }): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    const row = await loadForChange(tctx, input.id, 'identity.user.write');
    if (input.id === ctx.actor.userId) throw badRequest('self_disable', '不能停用自己的账号');
    await tctx.db.execute(sql`UPDATE identity.users SET status = ${input.status}, updated_at = ${tctx.clock.now().toISOString()} WHERE id = ${input.id}`);
    if (input.status === 'disabled') await tctx.db.execute(sql`UPDATE identity.sessions SET revoked_at = ${tctx.clock.now().toISOString()} WHERE user_id = ${input.id} AND revoked_at IS NULL`);
    audit(tctx, { action: input.status === 'disabled' ? 'identity.user.disable' : 'identity.user.enable', targetType: 'identity.user', targetId: input.id, targetLabel: row.display_name });
  });
}

export async function unlockUser(ctx: Ctx, input: { id: string }): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    const row = await loadForChange(tctx, input.id, 'identity.user.unlock');
    await tctx.db.execute(sql`UPDATE identity.users SET failed_logins = 0, locked_until = NULL, updated_at = ${tctx.clock.now().toISOString()} WHERE id = ${input.id}`);
    audit(tctx, { action: 'identity.user.unlock', targetType: 'identity.user', targetId: input.id, targetLabel: row.display_name });
  });
}

export async function resetPassword(ctx: Ctx, input: { id: string; newPassword: string }): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    const row = await loadForChange(tctx, input.id, 'identity.user.write');
    if (row.kind !== 'staff') throw badRequest('not_staff', '只能为工作人员重置口令');
    assertPasswordAcceptable(input.newPassword, row.login_name, 'newPassword');
    const hash = await hashPassword(input.newPassword);
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`UPDATE identity.users SET password_hash = ${hash}, password_changed_at = ${now}, failed_logins = 0, locked_until = NULL, updated_at = ${now} WHERE id = ${input.id}`);
    await tctx.db.execute(sql`UPDATE identity.sessions SET revoked_at = ${now} WHERE user_id = ${input.id} AND revoked_at IS NULL`);
    audit(tctx, { action: 'identity.user.reset_password', targetType: 'identity.user', targetId: input.id, targetLabel: row.display_name });
  });
}

/**
 * Reads a citizen's unmasked personal data. Needs identity.person.read_full and a stated purpose;
 * the read itself is audited with the purpose, in the same transaction.
 */
export async function readPersonalData(ctx: Ctx, input: { id: string; purpose: string }): Promise<{ idNumber: string | null; phone: string | null; displayName: string }> {
  if (!hasScope(ctx.actor, 'identity.person.read_full')) throw forbidden('您没有查看完整个人信息的权限。');
  const purpose = input.purpose.trim();
  if (purpose.length < 4 || purpose.length > 200) throw badRequest('purpose_required', '请说明查看用途 (4-200 个字)', [{ field: 'purpose', message: '请说明查看用途 (4-200 个字)' }]);
  return inTransaction(ctx, async (tctx) => {
    const row = await queryOne<UserRow>(tctx.db, sql`SELECT u.*, NULL AS home_region_code FROM identity.users u WHERE u.id = ${input.id}`);
    if (!row) throw notFound('user_not_found', '账号不存在');
    audit(tctx, {
      action: 'identity.person.read_full',
      targetType: 'identity.user',
      targetId: input.id,
      targetLabel: `${row.display_name} ${row.id_number ? maskIdNumber(row.id_number) : ''}`.trim(),
      purpose,
      details: { fields: ['id_number', 'phone'] },
    });
    return { idNumber: row.id_number, phone: row.phone, displayName: row.display_name };
  });
}
