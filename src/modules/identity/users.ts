/**
 * Accounts: staff (managed by the system administrator of their region), citizens and
 * enterprises (self-registered), service accounts of member systems. Personal data (ID number,
 * phone) is masked unless the reader holds identity.person.read_full and states a purpose.
 */
import { newId } from '../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import type { SQL } from 'drizzle-orm';
import { audit } from '../../platform/audit/chain.ts';
import { inTransaction } from '../../platform/transaction.ts';
import { AppError, badRequest, forbidden, notFound, type FieldProblem } from '../../platform/errors.ts';
import { hasScope, regionPrefixesFor, regionVisible, type Ctx } from '../../platform/context.ts';
import { maskIdNumber, maskPhone } from '../../platform/identifiers/index.ts';
import { getUnitSummary, listUnitsForPicker } from '../directory/index.ts';
import { assertPasswordAcceptable, hashPassword, passwordProblems } from './passwords.ts';

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

export interface UserRow {
  id: string;
  kind: UserKind;
  login_name: string;
  display_name: string;
  id_number: string | null;
  uscc: string | null;
  phone: string | null;
  email: string | null;
  home_unit_id: string | null;
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

/**
 * Staff and service accounts are visible within the region of their home unit; citizens and
 * enterprises only to holders of the scope province-wide (their data is not bound to a region).
 */
function canSeeAccount(ctx: Ctx, scope: string, kind: UserKind, regionCode: string | null): boolean {
  if (kind === 'citizen' || kind === 'enterprise') return regionPrefixesFor(ctx.actor, scope).some((p) => p.length <= 2);
  return regionCode !== null && regionVisible(ctx.actor, scope, regionCode);
}

const userNotFound = () => notFound('user_not_found', '账号不存在或不在您的管辖范围内');

export async function getUser(ctx: Ctx, input: { id: string }): Promise<UserView> {
  return getAccountFor(ctx, { id: input.id, scope: 'identity.user.read' });
}

/** One account as seen by a holder of `scope` (its own account is always visible to the caller). */
export async function getAccountFor(ctx: Ctx, input: { id: string; scope: string }): Promise<UserView> {
  const self = ctx.actor.userId === input.id;
  if (!hasScope(ctx.actor, input.scope) && !self) throw forbidden();
  const row = await queryOne<UserRow>(ctx.db, sql`SELECT u.* FROM identity.users u WHERE u.id = ${input.id}`);
  if (!row) throw userNotFound();
  const unit = await unitRegion(ctx, row.home_unit_id);
  if (!self && !canSeeAccount(ctx, input.scope, row.kind, unit?.regionCode ?? null)) throw userNotFound();
  return toView(row, ctx.clock.now(), unit?.name ?? null);
}

/** A service account, for holders of identity.service_account.manage. */
export async function getServiceAccount(ctx: Ctx, input: { id: string }): Promise<UserView> {
  const user = await getAccountFor(ctx, { id: input.id, scope: 'identity.service_account.manage' });
  if (user.kind !== 'service') throw notFound('service_account_not_found', '服务账号不存在');
  return user;
}

export interface ListUsersInput {
  kind?: UserKind;
  search?: string;
  page?: number;
  pageSize?: number;
}

/** Upper bound of units resolved for one list query (a province has a few tens of thousands). */
const MAX_VISIBLE_UNITS = 100_000;

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * SQL condition: the accounts the actor may see with `scope`. Staff and service accounts by the
 * region of their home unit; citizens and enterprises only by holders of the scope province-wide.
 */
async function visibleAccounts(ctx: Ctx, scope: string): Promise<SQL> {
  const prefixes = regionPrefixesFor(ctx.actor, scope);
  const seesPublic = prefixes.some((p) => p.length <= 2);
  let staff: SQL;
  if (prefixes.includes('')) staff = sql`true`;
  else if (prefixes.length === 0) staff = sql`false`;
  else {
    const units = await listUnitsForPicker(ctx, { regionPrefixes: prefixes, limit: MAX_VISIBLE_UNITS });
    staff = units.length ? sql`u.home_unit_id = ANY(${`{${units.map((x) => x.id).join(',')}}`}::uuid[])` : sql`false`;
  }
  return sql`((u.kind IN ('citizen', 'enterprise') AND ${seesPublic ? sql`true` : sql`false`}) OR (u.kind IN ('staff', 'service') AND ${staff}))`;
}

export interface UserPage {
  total: number;
  page: number;
  pageSize: number;
  items: UserView[];
}

/** Accounts visible to the actor (identity.user.read), filtered, one page at a time. */
export async function listUsers(ctx: Ctx, input: ListUsersInput): Promise<UserPage> {
  return queryAccounts(ctx, 'identity.user.read', input);
}

/** Service accounts within the actor's region (identity.service_account.manage). */
export async function listServiceAccounts(ctx: Ctx, input: Omit<ListUsersInput, 'kind'>): Promise<UserPage> {
  return queryAccounts(ctx, 'identity.service_account.manage', { ...input, kind: 'service' });
}

async function queryAccounts(ctx: Ctx, scope: string, input: ListUsersInput): Promise<UserPage> {
  if (!hasScope(ctx.actor, scope)) throw forbidden();
  const pageSize = Math.max(1, Math.min(input.pageSize ?? 20, 200));
  const page = Math.max(1, input.page ?? 1);
  const search = input.search?.trim() || null;
  const where = sql`${await visibleAccounts(ctx, scope)}
    AND (${input.kind ?? null}::text IS NULL OR u.kind = ${input.kind ?? null})
    AND (${search}::text IS NULL OR u.display_name ILIKE ${likePattern(search ?? '')} OR u.login_name IN (${(search ?? '').toLowerCase()}, ${(search ?? '').toUpperCase()}))`;
  const count = await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM identity.users u WHERE ${where}`);
  const rows = await queryRows<UserRow>(ctx.db, sql`SELECT u.* FROM identity.users u WHERE ${where}
    ORDER BY u.kind DESC, u.display_name, u.id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
  const now = ctx.clock.now();
  const names = new Map<string, string | null>();
  const items: UserView[] = [];
  for (const r of rows) {
    if (r.home_unit_id && !names.has(r.home_unit_id)) names.set(r.home_unit_id, (await getUnitSummary(ctx, r.home_unit_id))?.name ?? null);
    items.push(toView(r, now, r.home_unit_id ? names.get(r.home_unit_id) ?? null : null));
  }
  return { total: Number(count?.n ?? 0), page, pageSize, items };
}

export interface CreateStaffInput {
  loginName: string;
  displayName: string;
  password: string;
  homeUnitId: string;
  phone?: string;
  email?: string;
  isDemo?: boolean;
}

export interface CreateServiceAccountInput {
  loginName: string;
  displayName: string;
  homeUnitId: string;
  email?: string;
}

const LOGIN_NAME = /^[a-z][a-z0-9._-]{2,31}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function contactProblems(input: { displayName: string; phone?: string; email?: string }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const name = input.displayName.trim();
  if (name.length < 2 || name.length > 50) problems.push({ field: 'displayName', message: '姓名应为 2-50 个字符' });
  if (/[<>]/.test(name)) problems.push({ field: 'displayName', message: '姓名不能包含尖括号' });
  if (input.phone && !/^1\d{10}$/.test(input.phone)) problems.push({ field: 'phone', message: '手机号码应为 11 位数字, 以 1 开头' });
  if (input.email && (!EMAIL.test(input.email) || input.email.length > 200)) problems.push({ field: 'email', message: '电子邮箱格式不正确' });
  return problems;
}

async function insertManagedAccount(ctx: Ctx, kind: 'staff' | 'service', scope: string, input: CreateStaffInput): Promise<UserView> {
  if (!hasScope(ctx.actor, scope)) throw forbidden();
  const problems = contactProblems(input);
  if (!LOGIN_NAME.test(input.loginName)) problems.unshift({ field: 'loginName', message: '登录名应为 3-32 位小写字母、数字、点、下划线或连字符, 以字母开头' });
  if (kind === 'staff') problems.push(...passwordProblems(input.password, input.loginName).map((message) => ({ field: 'password', message })));
  const unit = await getUnitSummary(ctx, input.homeUnitId);
  if (!unit || unit.status !== 'active') problems.push({ field: 'homeUnitId', message: '所属单位不存在或已停用' });
  if (problems.length) {
    const code = problems.every((p) => p.field === 'password') ? 'weak_password' : 'validation_failed';
    throw new AppError({ code, message: problems.map((p) => p.message).join('; '), fields: problems });
  }
  if (!regionVisible(ctx.actor, scope, unit!.regionCode)) throw forbidden('只能在本辖区的单位中创建账号。');
  const passwordHash = kind === 'staff' ? await hashPassword(input.password) : null;
  return inTransaction(ctx, async (tctx) => {
    const exists = await queryOne(tctx.db, sql`SELECT 1 FROM identity.users WHERE login_name = ${input.loginName}`);
    if (exists) throw new AppError({ code: 'login_name_taken', status: 409, message: `登录名 ${input.loginName} 已被使用`, fields: [{ field: 'loginName', message: `登录名 ${input.loginName} 已被使用` }] });
    const id = newId();
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO identity.users (id, kind, login_name, display_name, phone, email, home_unit_id, password_hash,
        status, password_changed_at, is_demo, created_at, updated_at)
      VALUES (${id}, ${kind}, ${input.loginName}, ${input.displayName.trim()}, ${input.phone ?? null}, ${input.email ?? null}, ${input.homeUnitId},
        ${passwordHash}, 'active', ${passwordHash ? now : null}, ${input.isDemo ?? false}, ${now}, ${now})`);
    audit(tctx, {
      action: kind === 'staff' ? 'identity.user.create' : 'identity.service_account.create',
      targetType: 'identity.user',
      targetId: id,
      targetLabel: input.displayName.trim(),
      details: { loginName: input.loginName, homeUnitId: input.homeUnitId, homeUnitName: unit!.name, kind },
    });
    return getAccountFor(tctx, { id, scope });
  });
}

/** A staff account in a unit within the actor's region (identity.user.write). */
export async function createStaffUser(ctx: Ctx, input: CreateStaffInput): Promise<UserView> {
  return insertManagedAccount(ctx, 'staff', 'identity.user.write', input);
}

/** A service account of a member system; it has no password and authenticates with API keys only. */
export async function createServiceAccount(ctx: Ctx, input: CreateServiceAccountInput): Promise<UserView> {
  return insertManagedAccount(ctx, 'service', 'identity.service_account.manage', { ...input, password: '' });
}

/** Locks an account for a change the actor may make with `scope` (404 outside the actor's region). */
export async function loadForChange(ctx: Ctx, id: string, scope: string): Promise<UserRow> {
  if (!hasScope(ctx.actor, scope)) throw forbidden();
  const row = await queryOne<UserRow>(ctx.db, sql`SELECT u.* FROM identity.users u WHERE u.id = ${id} FOR UPDATE`);
  if (!row) throw userNotFound();
  const unit = await unitRegion(ctx, row.home_unit_id);
  if (!canSeeAccount(ctx, scope, row.kind, unit?.regionCode ?? null)) throw userNotFound();
  return row;
}

export interface UpdateUserInput {
  id: string;
  displayName?: string;
  /** null or '' clears; undefined leaves unchanged. */
  phone?: string | null;
  email?: string | null;
}

/** Changes the name and contact details of a staff or service account. */
export async function updateStaffUser(ctx: Ctx, input: UpdateUserInput): Promise<UserView> {
  return inTransaction(ctx, async (tctx) => {
    const row = await loadForChange(tctx, input.id, 'identity.user.write');
    if (row.kind !== 'staff' && row.kind !== 'service') throw badRequest('not_staff', '自然人和法人账号的信息由本人维护, 管理员不能修改');
    const next = {
      displayName: input.displayName?.trim() ?? row.display_name,
      phone: input.phone === undefined ? row.phone : input.phone || null,
      email: input.email === undefined ? row.email : input.email || null,
    };
    const problems = contactProblems({ displayName: next.displayName, phone: next.phone ?? undefined, email: next.email ?? undefined });
    if (problems.length) throw badRequest('validation_failed', problems.map((p) => p.message).join('; '), problems);
    await tctx.db.execute(sql`UPDATE identity.users SET display_name = ${next.displayName}, phone = ${next.phone}, email = ${next.email},
      updated_at = ${tctx.clock.now().toISOString()} WHERE id = ${input.id}`);
    const changes: Record<string, unknown> = {};
    if (next.displayName !== row.display_name) changes.displayName = [row.display_name, next.displayName];
    if (next.phone !== row.phone) changes.phone = [row.phone ? maskPhone(row.phone) : null, next.phone ? maskPhone(next.phone) : null];
    if (next.email !== row.email) changes.email = [row.email, next.email];
    audit(tctx, { action: 'identity.user.update', targetType: 'identity.user', targetId: input.id, targetLabel: next.displayName, details: changes });
    return getAccountFor(tctx, { id: input.id, scope: 'identity.user.write' });
  });
}

/** Disables (and logs out everywhere) or re-enables an account. */
export async function setUserStatus(ctx: Ctx, input: { id: string; status: 'active' | 'disabled' }): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    const row = await loadForChange(tctx, input.id, 'identity.user.write');
    if (input.id === ctx.actor.userId) throw badRequest('self_disable', '不能停用或启用自己的账号');
    if (row.status === input.status) return;
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`UPDATE identity.users SET status = ${input.status}, updated_at = ${now} WHERE id = ${input.id}`);
    if (input.status === 'disabled') await tctx.db.execute(sql`UPDATE identity.sessions SET revoked_at = ${now} WHERE user_id = ${input.id} AND revoked_at IS NULL`);
    audit(tctx, { action: input.status === 'disabled' ? 'identity.user.disable' : 'identity.user.enable', targetType: 'identity.user', targetId: input.id, targetLabel: row.display_name });
  });
}

/** Lifts a lockout after failed logins (security administrator). */
export async function unlockUser(ctx: Ctx, input: { id: string }): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    const row = await loadForChange(tctx, input.id, 'identity.user.unlock');
    await tctx.db.execute(sql`UPDATE identity.users SET failed_logins = 0, locked_until = NULL, updated_at = ${tctx.clock.now().toISOString()} WHERE id = ${input.id}`);
    audit(tctx, { action: 'identity.user.unlock', targetType: 'identity.user', targetId: input.id, targetLabel: row.display_name, details: { wasLocked: row.locked_until !== null && new Date(row.locked_until).getTime() > tctx.clock.now().getTime() } });
  });
}

/**
 * Clears a staff account's second factor (lost phone): its sessions end and the next login enrols
 * a new secret. A security-administrator power (identity.user.unlock), so that the system
 * administrator, who can reset passwords, cannot also reset second factors.
 */
export async function resetTotp(ctx: Ctx, input: { id: string }): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    const row = await loadForChange(tctx, input.id, 'identity.user.unlock');
    if (row.kind !== 'staff') throw badRequest('not_staff', '只有工作人员账号使用动态口令');
    if (input.id === ctx.actor.userId) throw badRequest('self_reset', '不能重置自己的动态口令');
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`UPDATE identity.users SET totp_enabled = false, totp_secret_sealed = NULL, totp_last_step = NULL, updated_at = ${now} WHERE id = ${input.id}`);
    await tctx.db.execute(sql`UPDATE identity.sessions SET revoked_at = ${now} WHERE user_id = ${input.id} AND revoked_at IS NULL`);
    audit(tctx, { action: 'identity.user.reset_totp', targetType: 'identity.user', targetId: input.id, targetLabel: row.display_name, details: { wasEnabled: row.totp_enabled } });
  });
}

/**
 * Sets a new password for a staff account (to be handed over out of band) and ends its sessions.
 * The second factor stays as it is, so a system administrator who resets the password of another
 * administrator still cannot log in as them.
 */
export async function resetPassword(ctx: Ctx, input: { id: string; newPassword: string }): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    const row = await loadForChange(tctx, input.id, 'identity.user.write');
    if (row.kind !== 'staff') throw badRequest('not_staff', '只能为工作人员重置口令');
    if (input.id === ctx.actor.userId) throw badRequest('self_reset', '不能重置自己的口令, 请在“个人设置”中修改', [{ field: 'newPassword', message: '请在“个人设置”中修改自己的口令' }]);
    assertPasswordAcceptable(input.newPassword, row.login_name, 'newPassword');
    const hash = await hashPassword(input.newPassword);
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`UPDATE identity.users SET password_hash = ${hash}, password_changed_at = ${now}, failed_logins = 0, locked_until = NULL, updated_at = ${now} WHERE id = ${input.id}`);
    await tctx.db.execute(sql`UPDATE identity.sessions SET revoked_at = ${now} WHERE user_id = ${input.id} AND revoked_at IS NULL`);
    audit(tctx, { action: 'identity.user.reset_password', targetType: 'identity.user', targetId: input.id, targetLabel: row.display_name });
  });
}

export interface PersonalData {
  displayName: string;
  idNumber: string | null;
  uscc: string | null;
  phone: string | null;
}

/**
 * Reads an account's unmasked personal data. Needs identity.person.read_full over the account and
 * a stated purpose; the read itself is audited with the purpose, in the same transaction.
 */
export async function readPersonalData(ctx: Ctx, input: { id: string; purpose: string }): Promise<PersonalData> {
  if (!hasScope(ctx.actor, 'identity.person.read_full')) throw forbidden('您没有查看完整个人信息的权限。');
  const purpose = (input.purpose ?? '').trim();
  if (purpose.length < 4 || purpose.length > 200) throw badRequest('purpose_required', '请说明查看用途 (4-200 个字)', [{ field: 'purpose', message: '请说明查看用途 (4-200 个字)' }]);
  return inTransaction(ctx, async (tctx) => {
    const row = await queryOne<UserRow>(tctx.db, sql`SELECT u.* FROM identity.users u WHERE u.id = ${input.id}`);
    if (!row) throw userNotFound();
    const unit = await unitRegion(tctx, row.home_unit_id);
    if (!canSeeAccount(tctx, 'identity.person.read_full', row.kind, unit?.regionCode ?? null)) throw userNotFound();
    audit(tctx, {
      action: 'identity.person.read_full',
      targetType: 'identity.user',
      targetId: input.id,
      targetLabel: `${row.display_name} ${row.id_number ? maskIdNumber(row.id_number) : ''}`.trim(),
      purpose,
      details: { fields: ['id_number', 'phone'] },
    });
    return { displayName: row.display_name, idNumber: row.id_number, uscc: row.uscc, phone: row.phone };
  });
}
